// Live updates over server-sent events: the server sends the page's main part, rendered.
// Without JavaScript the page refreshes itself (<noscript> meta refresh) instead.
(function () {
  var me = document.currentScript;
  var url = me && me.getAttribute("data-live");
  if (!url || !window.EventSource) return;
  var main = document.getElementById("main");
  var es = new EventSource(url);
  es.addEventListener("update", function (e) {
    var data = JSON.parse(e.data);
    // A survey being filled in is not wiped by a refresh of the rest of the page.
    if (!data.alert && main.querySelector("form input:checked")) return;
    main.innerHTML = data.html;
    if (data.alert) alertCitizen();
  });
  function alertCitizen() {
    // Called: vibrate and beep where the phone allows it (it may not, silently).
    try { if (navigator.vibrate) navigator.vibrate([400, 200, 400, 200, 400]); } catch (e) {}
    try {
      var C = window.AudioContext || window.webkitAudioContext;
      if (!C) return;
      var ctx = new C(), o = ctx.createOscillator(), g = ctx.createGain();
      o.frequency.value = 880; o.connect(g); g.connect(ctx.destination);
      g.gain.setValueAtTime(0.3, ctx.currentTime);
      o.start(); o.stop(ctx.currentTime + 0.6);
    } catch (e) {}
  }
})();
