"""Forms posted to the web node, read with a bound: a body over it is refused once the
bound is read, not held in memory until it is all there (uvicorn sets no limit)."""

from __future__ import annotations

from urllib.parse import parse_qsl

from starlette.requests import Request

MAX_FORM_BYTES = 8192  # the largest form (the dashboard's running text) is well under 2 KB


async def read_form(request: Request) -> dict[str, str] | None:
    """A url-encoded form, bounded; None when it is not one."""
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype != "application/x-www-form-urlencoded":
        return None
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM_BYTES:
            return None
    try:
        pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, max_num_fields=20)
    except (UnicodeDecodeError, ValueError):
        return None
    return dict(pairs)
