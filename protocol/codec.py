"""JSON encoding and strict decoding of messages, with errors a technician can act on."""

from __future__ import annotations

import json
from typing import Any, TypeVar

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


def _load(payload: bytes) -> dict[str, Any]:
    try:
        data = json.loads(payload)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ProtocolError("invalid_request", f"payload is not JSON: {exc}") from None
    if not isinstance(data, dict):
        raise ProtocolError("invalid_request", "payload must be a JSON object")
    version = data.get("v", m.SCHEMA_VERSION)
    if version != m.SCHEMA_VERSION:
        raise ProtocolError(
            "unsupported_version",
            f"schema version {version!r} is not supported (this node speaks "
            f"v{m.SCHEMA_VERSION}); update the sender or this node",
            _request_id(data),
        )
    return data


def _request_id(data: dict[str, Any]) -> str | None:
    rid = data.get("request_id")
    return rid if isinstance(rid, str) and 0 < len(rid) <= 64 else None


def _explain(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors()[:5]:
        where = ".".join(str(p) for p in err["loc"]) or "message"
        parts.append(f"{where}: {err['msg']}")
    return "; ".join(parts)


def decode_request(payload: bytes) -> m.Request:
    data = _load(payload)
    try:
        return _REQUEST.validate_python(data)
    except ValidationError as exc:
        raise ProtocolError("invalid_request", _explain(exc), _request_id(data)) from None


def decode(model: type[T], payload: bytes) -> T:
    data = _load(payload)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ProtocolError("invalid_request", _explain(exc), _request_id(data)) from None
