"""The role x request table: every request type has its line, and the broker ACL follows it."""

from __future__ import annotations

import typing

from antrian.devbroker import REPO_ROOT
from protocol import messages as m
from protocol.roles import PERMISSIONS, ROLES, matrix_markdown, request_types, sends_requests
from provision.acl import AclEntry, rules
from provision.configs import ROLES as PROVISIONED_ROLES


def request_models() -> list[type[m.RequestBase]]:
    union = typing.get_args(m.Request)[0]
    return list(typing.get_args(union))


def test_every_request_type_has_exactly_one_line() -> None:
    kinds = [model.model_fields["type"].default for model in request_models()]
    assert sorted(kinds) == sorted(PERMISSIONS), "add the new request type to protocol/roles.py"
    assert all(p.role in ROLES for p in PERMISSIONS.values())


def test_displays_and_central_send_nothing() -> None:
    assert request_types("display") == [] and request_types("central") == []
    assert request_types("kiosk") == [
        "issue_ticket",
        "lease_block",
        "return_lease",
        "replay_ticket",
    ]
    assert "call_next" in request_types("caller") and "issue_ticket" not in request_types("caller")


def test_the_acl_gives_request_topics_exactly_to_the_roles_that_send() -> None:
    for role in PROVISIONED_ROLES:
        if role == "central":
            continue
        topics = {topic for access, topic in rules("s", AclEntry(f"{role}-1", role))}
        has_request = any(t.endswith(f"/request/{role}-1") for t in topics)
        assert has_request == sends_requests(role), role


def test_docs_show_the_table_as_it_is() -> None:
    doc = (REPO_ROOT / "docs" / "protocol.md").read_text(encoding="utf-8")
    assert matrix_markdown() in doc, "paste protocol.roles.matrix_markdown() into docs/protocol.md"
