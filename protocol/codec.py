"""JSON encoding and strict decoding of messages, with errors a technician can act on."""

from __future__ import annotations

import re
from typing import TypeVar

from pydantic import BaseModel, TypeAdapter, ValidationError

from protocol import messages as m

T = TypeVar("T", bound=BaseModel)

_REQUEST = TypeAdapter[m.Request](m.Request)


class ProtocolError(ValueError):
    """A payload that is not a valid message. `code` is a RefusalCode."""

    def __init__(self, code: m.RefusalCode, detail: str, request_id: str | None = None) -> None:
        super().__init__(detail)
        self.code: m.RefusalCode = code
        self.detail = detail
        self.request_id = request_id


def encode(msg: BaseModel) -> bytes:
    return msg.model_dump_json().encode()


class Encoded:
    """Each message encoded once: central stores a reply or event in its ledger and then
    publishes the same bytes. Keyed by identity, so only for messages that stay alive
    (and unchanged: they are frozen) while the cache is used, as within one batch."""

    def __init__(self) -> None:
        self._bytes: dict[int, tuple[BaseModel, bytes]] = {}

    def of(self, msg: BaseModel) -> bytes:
        hit = self._bytes.get(id(msg))
        if hit is not None and hit[0] is msg:
            return hit[1]
        data = encode(msg)
        self._bytes[id(msg)] = (msg, data)
        return data


# Bounds checked before parsing (issue 13: one message of JSON nested 5,000 deep, or an
# integer of 5,000 digits, stopped central). pydantic's JSON parser (jiter) then refuses
# deeper nesting and out-of-range numbers with an error instead of raising, and strict
# mode refuses coercions the documentation does not allow ("yes" or 1 for a boolean, "4"
# for an integer, a number for a time).
REQUEST_MAX_BYTES = 4096  # a ReplayTicket, the largest request, is about 600 bytes
STATUS_MAX_BYTES = 8192  # a NodeStatus with its faults and a 500-character detail
MESSAGE_MAX_BYTES = 256 * 1024  # snapshots and configs: the broker's own limit
DETAIL_MAX = 300  # what a refusal quotes of the bad input, at most
_REQUEST_ID = re.compile(rb'"request_id"\s*:\s*"([A-Za-z0-9_.:-]{8,64})"')
_VERSION = re.compile(rb'^\s*\{\s*"v"\s*:\s*("?[^,}]{0,20})')


def clip(text: str, limit: int = DETAIL_MAX) -> str:
    """Text quoted from a message, short enough for a refusal and a log line."""
    return text if len(text) <= limit else f"{text[: limit - 15]}... ({len(text)} chars)"


def request_id_of(payload: bytes) -> str | None:
    """The request id of a refused payload, found without parsing it (it may not parse)."""
    found = _REQUEST_ID.search(payload[:REQUEST_MAX_BYTES])
    return found.group(1).decode() if found else None


def _check_bounds(payload: bytes, max_bytes: int) -> None:
    if len(payload) > max_bytes:
        raise ProtocolError(
            "invalid_request",
            f"payload of {len(payload)} bytes is over the limit of {max_bytes}",
            request_id_of(payload),
        )
    if payload[:3] == b"\xef\xbb\xbf" or payload[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise ProtocolError(
            "invalid_request",
            "payload is not JSON: it starts with a byte order mark; send UTF-8 JSON without one",
        )


def _explain(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors()[:5]:
        where = ".".join(clip(str(p), 40) for p in err["loc"]) or "message"
        parts.append(f"{where}: {clip(err['msg'], 120)}")
    return clip("; ".join(parts))


def _refuse(exc: ValidationError, payload: bytes) -> ProtocolError:
    found = _VERSION.match(payload)
    if found and found.group(1).strip() != b"1":
        version = clip(found.group(1).decode(errors="replace").strip(), 20)
        return ProtocolError(
            "unsupported_version",
            f"schema version {version} is not supported (this node speaks "
            f"v{m.SCHEMA_VERSION}); update the sender or this node",
            request_id_of(payload),
        )
    for err in exc.errors():
        if err["loc"] and err["loc"][-1] == "v" and len(err["loc"]) <= 2:
            found = _VERSION.match(payload)
            version = clip(found.group(1).decode(errors="replace"), 20) if found else "?"
            return ProtocolError(
                "unsupported_version",
                f"schema version {version} is not supported (this node speaks "
                f"v{m.SCHEMA_VERSION}); update the sender or this node",
                request_id_of(payload),
            )
        if err["type"] == "json_invalid":
            return ProtocolError("invalid_request", f"payload is not JSON: {clip(err['msg'], 120)}")
    first = exc.errors()[0] if exc.errors() else None
    if first is not None and not first["loc"] and first["type"] in ("model_type", "dict_type"):
        return ProtocolError("invalid_request", "payload must be a JSON object")
    return ProtocolError("invalid_request", _explain(exc), request_id_of(payload))


def decode_request(payload: bytes, max_bytes: int = REQUEST_MAX_BYTES) -> m.Request:
    _check_bounds(payload, max_bytes)
    try:
        return _REQUEST.validate_json(payload, strict=True)
    except ValidationError as exc:
        raise _refuse(exc, payload) from None


def decode(model: type[T], payload: bytes, max_bytes: int = MESSAGE_MAX_BYTES) -> T:
    _check_bounds(payload, max_bytes)
    try:
        return model.model_validate_json(payload, strict=True)
    except ValidationError as exc:
        raise _refuse(exc, payload) from None
