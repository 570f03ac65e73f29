"""Who may ask central for what: one role x request table. Central's authorization
(central/authz.py) and the broker's ACL (provision/acl.py) are both generated from it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

# How far a grant reaches: `queue`, the queues on the device's own buttons (and priority
# only where it has a priority button); `counter`, the counters the device serves;
# `hall`, the whole hall (supervisors, who are authorized by the web node and recorded).
Scope = Literal["queue", "counter", "hall"]

KIOSK = "kiosk"
CALLER = "caller"
DISPLAY = "display"
CENTRAL = "central"
WEB = "web"
ROLES = (KIOSK, CALLER, DISPLAY, CENTRAL, WEB)


@dataclass(frozen=True)
class Permission:
    role: str
    scope: Scope


# Request type (the message's `type`) -> the one role that may send it, and how far.
# Every request type has exactly one line; a type that is not here is refused to everyone
# (tests/protocol/test_roles.py checks that each request model has its line).
PERMISSIONS: dict[str, Permission] = {
    # Kiosks, for the queues on their buttons.
    "issue_ticket": Permission(KIOSK, "queue"),
    "lease_block": Permission(KIOSK, "queue"),
    "return_lease": Permission(KIOSK, "queue"),
    "replay_ticket": Permission(KIOSK, "queue"),
    # Callers, for their own counters (and `antrian caller signin` beside one).
    "call_next": Permission(CALLER, "counter"),
    "recall": Permission(CALLER, "counter"),
    "no_show": Permission(CALLER, "counter"),
    "start_service": Permission(CALLER, "counter"),
    "finish_service": Permission(CALLER, "counter"),
    "transfer": Permission(CALLER, "counter"),
    "pause_counter": Permission(CALLER, "counter"),
    "resume_counter": Permission(CALLER, "counter"),
    "sign_in": Permission(CALLER, "counter"),
    "sign_out": Permission(CALLER, "counter"),
    "rate_service": Permission(CALLER, "counter"),
    # The web node, on behalf of a supervisor (issue 18): new supervisor types go here.
    "supervisor_pause_counter": Permission(WEB, "hall"),
    "supervisor_resume_counter": Permission(WEB, "hall"),
    "close_queue": Permission(WEB, "hall"),
    "reopen_queue": Permission(WEB, "hall"),
    "set_quota": Permission(WEB, "hall"),
    "transfer_ticket": Permission(WEB, "hall"),
    "end_ticket": Permission(WEB, "hall"),
    "set_running_text": Permission(WEB, "hall"),
    # The web node, for citizens' ticket pages: a ticket found by its page token.
    "lookup_ticket": Permission(WEB, "hall"),
    "submit_survey": Permission(WEB, "hall"),
}

# What `antrian caller signin` (node id signin_id(caller)) may send for its caller.
SIGNIN_TYPES = frozenset({"sign_in", "sign_out"})


def request_types(role: str) -> list[str]:
    """The request types a role may send, in table order."""
    return [kind for kind, p in PERMISSIONS.items() if p.role == role]


def sends_requests(role: str) -> bool:
    """Whether the broker lets this role publish on request/{its id} at all."""
    return bool(request_types(role))


def matrix_markdown() -> str:
    """The table as docs/protocol.md shows it (tests/protocol/test_roles.py keeps it current)."""
    reach = {
        "queue": "own queues (priority where offered)",
        "counter": "own counters",
        "hall": "whole hall",
    }
    shown = (KIOSK, CALLER, DISPLAY, WEB)
    lines = [
        "| request | " + " | ".join(shown) + " | reach |",
        "| --- | " + " | ".join("---" for _ in shown) + " | --- |",
    ]
    for kind, p in PERMISSIONS.items():
        cells = " | ".join("yes" if p.role == role else "-" for role in shown)
        lines.append(f"| `{kind}` | {cells} | {reach[p.scope]} |")
    return "\n".join(lines)
