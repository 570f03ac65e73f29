// The dashboard's overview follows the hall over server-sent events; the forms below it
// stay as they are (a supervisor may be typing). Without JavaScript the page refreshes.
(function () {
  var me = document.currentScript;
  var url = me && me.getAttribute("data-live");
  var live = document.getElementById("live");
  if (!url || !live || !window.EventSource) return;
  var es = new EventSource(url);
  es.addEventListener("update", function (e) {
    live.innerHTML = JSON.parse(e.data).html;
  });
})();
