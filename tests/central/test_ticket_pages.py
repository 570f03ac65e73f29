"""Ticket page tokens, lookups and the SKM survey at central, over a real broker."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from central import Central, load_catalogue
from central.config import CentralConfig
from central.ledger import LedgerReader
from central.tokens import load_secret
from protocol import messages as m
from tests.central.conftest import Node

ANSWERS = [4, 3, 4, 4, 3, 4, 4, 2, 3]


def lookup(web: Node, token: str) -> m.Reply:
    return web.call(m.LookupTicket(token=token, **web.base()))


def survey(web: Node, token: str, answers: list[int] = ANSWERS) -> m.Reply:
    return web.call(m.SubmitSurvey(token=token, answers=answers, **web.base()))


def test_issue_reply_carries_an_unguessable_page_token(
    central: Central, node_factory: Callable[..., Node]
) -> None:
    kiosk, web = node_factory("kiosk-1"), node_factory("web", "web")
    first, second = kiosk.issue("dukcapil"), kiosk.issue("dukcapil")
    assert first.ticket is not None and second.ticket is not None
    t1, t2 = first.page_token, second.page_token
    assert t1 and t2 and t1 != t2 and len(t1) == 22
    assert first.ticket.ticket_id not in t1 and first.ticket.label not in t1
    got = lookup(web, t1)
    assert got.ok and got.ticket is not None
    assert got.ticket.ticket_id == first.ticket.ticket_id and got.surveyed is False
    assert got.ticket.status == "waiting"
    assert lookup(web, t2).ticket.people_ahead == 1  # type: ignore[union-attr]
    # The event feed, which every display reads, never carries the token.
    events = kiosk.wait_events(2)
    assert all(t1 not in e.model_dump_json() for e in events)


def test_random_token_is_unknown(central: Central, node_factory: Callable[..., Node]) -> None:
    web = node_factory("web", "web")
    reply = lookup(web, "A" * 22)
    assert not reply.ok and reply.refusal is not None
    assert reply.refusal.code == "unknown_ticket"


def test_survey_once_after_service_and_kept_across_restart(
    central: Central, central_config: CentralConfig, node_factory: Callable[..., Node]
) -> None:
    kiosk, caller, web = (
        node_factory("kiosk-1"),
        node_factory("caller-1", "caller"),
        node_factory("web", "web"),
    )
    issued = kiosk.issue("dukcapil")
    token = issued.page_token
    assert token is not None
    refused = survey(web, token)
    assert refused.refusal is not None and refused.refusal.code == "not_surveyable"
    assert caller.next("loket-1").ok  # called
    assert caller.call(m.FinishService(counter="loket-1", **caller.base())).ok
    assert lookup(web, token).ticket.status == "served"  # type: ignore[union-attr]
    fields = {**web.base(), "token": token, "answers": [5] * 9}
    bad = web.call(m.SubmitSurvey.model_construct(**fields))  # type: ignore[arg-type]
    assert bad.refusal is not None and bad.refusal.code == "invalid_request"
    accepted = survey(web, token)
    assert accepted.ok and accepted.surveyed is True
    again = survey(web, token)
    assert again.refusal is not None and again.refusal.code == "already_surveyed"
    assert "sudah diisi" in again.refusal.text_id
    assert lookup(web, token).surveyed is True

    central.stop()
    restarted = Central(central_config, load_catalogue(central_config.catalogue))
    restarted.start()
    try:
        assert restarted.link.wait_connected(5)
        # Same secret after a restart: the printed link still works, the survey stays done.
        assert lookup(web, token).surveyed is True
        after = survey(web, token)
        assert after.refusal is not None and after.refusal.code == "already_surveyed"
    finally:
        restarted.stop()
    with LedgerReader(central_config.ledger_path) as ledger:
        rows = list(ledger.events_of_day(issued.ticket.business_day, ["survey_answered"]))  # type: ignore[union-attr]
    assert len(rows) == 1


def test_token_secret_is_private_before_it_is_in_place(
    tmp_path: Path, modes_at_rename: dict[str, int]
) -> None:
    # Whoever reads the secret can make every ticket's page link.
    secret = load_secret(tmp_path / "ticket-secret")
    assert modes_at_rename == {"ticket-secret": 0o600}
    assert load_secret(tmp_path / "ticket-secret") == secret
