"""A dashboard form turned into a supervisor's request to central, or a clear error.

Pure: central decides whether the action is allowed and what it does; this only reads the
form. Each form carries the request id it was rendered with, so that a double click or a
resent form is applied once (central answers a known id with its stored reply).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from protocol import messages as m

REQUEST_ID = re.compile(r"^[A-Za-z0-9_.:-]{8,64}$")

ACTIONS: dict[str, type[m.SupervisorRequest]] = {
    "pause": m.SupervisorPauseCounter,
    "resume": m.SupervisorResumeCounter,
    "close_queue": m.CloseQueue,
    "reopen_queue": m.ReopenQueue,
    "set_quota": m.SetQuota,
    "transfer": m.TransferTicket,
    "end_ticket": m.EndTicket,
    "running_text": m.SetRunningText,
}

# The form fields each action reads, and what each is in the request.
FIELDS: dict[str, tuple[str, ...]] = {
    "pause": ("counter", "reason"),
    "resume": ("counter",),
    "close_queue": ("queue",),
    "reopen_queue": ("queue",),
    "set_quota": ("queue", "quota"),
    "transfer": ("label", "to_queue"),
    "end_ticket": ("label",),
    "running_text": ("text",),
}


class FormError(ValueError):
    """What is wrong with the form, in Bahasa Indonesia and English."""

    def __init__(self, text_id: str, text_en: str) -> None:
        super().__init__(text_en)
        self.text_id = text_id
        self.text_en = text_en


def request_from_form(
    form: Mapping[str, str], supervisor: str, node_id: str, now: datetime
) -> m.SupervisorRequest:
    action = form.get("action", "")
    kind = ACTIONS.get(action)
    if kind is None:
        raise FormError(f"Tindakan tidak dikenal: {action!r}.", f"Unknown action: {action!r}.")
    request_id = form.get("request_id", "")
    if not REQUEST_ID.match(request_id):
        raise FormError(
            "Formulir tidak lengkap. Muat ulang halaman lalu coba lagi.",
            "The form is incomplete. Reload the page and try again.",
        )
    values: dict[str, Any] = {}
    for name in FIELDS[action]:
        raw = form.get(name, "").strip()
        if name == "quota":
            values[name] = _quota(raw)
        elif name == "reason":
            values[name] = raw or None
        elif name == "text":
            values[name] = form.get(name, "")
        elif not raw:
            raise FormError(
                f"Isian '{_FIELD_ID[name]}' wajib diisi.", f"Fill in '{_FIELD_EN[name]}'."
            )
        else:
            values[name] = raw.upper() if name == "label" else raw
    try:
        return kind(
            request_id=request_id, node_id=node_id, sent_at=now, supervisor=supervisor, **values
        )
    except ValidationError as exc:
        names = [str(e["loc"][0]) if e["loc"] else "form" for e in exc.errors()]
        where = ", ".join(_FIELD_EN.get(n, n) for n in names)
        raise FormError(
            f"Isian tidak valid: {where}. Periksa lalu kirim lagi.",
            f"Invalid value: {where}. Check it and send again.",
        ) from None


def _quota(raw: str) -> int | None:
    if raw == "":
        return None  # no cap today
    if not raw.isdigit() or int(raw) > 9999:
        raise FormError(
            "Kuota harus angka 0 sampai 9999 (kosongkan untuk tanpa batas).",
            "The quota must be a number from 0 to 9999 (empty for no cap).",
        )
    return int(raw)


_FIELD_ID = {
    "counter": "loket",
    "queue": "layanan",
    "label": "nomor antrian",
    "to_queue": "layanan tujuan",
}
_FIELD_EN = {
    "counter": "counter",
    "queue": "service",
    "label": "ticket number",
    "to_queue": "target service",
    "text": "running text",
    "reason": "reason",
    "quota": "quota",
}
