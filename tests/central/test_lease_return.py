"""A kiosk gives back the unused top of its block (return_lease): central issues those
numbers online, never one twice, and the ledger keeps the shrunk block across a restart."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from central.config import load_catalogue
from central.hall import Hall
from central.ledger import Ledger
from central.testing import DEMO_CATALOGUE
from protocol import messages as m
from tests.central.test_hall import DAY, T0, rid

CAT = load_catalogue(DEMO_CATALOGUE)
NIKAH = CAT.queue("nikah")  # quota 30: a kiosk holds at most 3 unused numbers
assert NIKAH is not None and NIKAH.daily_quota == 30


class Site:
    """A hall whose every outcome is committed to a ledger, as central does."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.ledger = Ledger(path)
        self.hall = Hall(CAT, DAY)

    def apply(self, req: m.Request) -> m.Reply:
        out = self.hall.apply(req, req.sent_at)
        self.ledger.commit([(req, out)], self.hall.day, self.hall.seq)
        return out.reply

    def restart(self) -> None:
        self.ledger.close()
        self.ledger = Ledger(self.path)
        self.hall = self.ledger.load(CAT, DAY)

    def lease(self, node: str) -> m.LeaseInfo:
        info = self.apply(
            m.LeaseBlock(request_id=rid(), node_id=node, sent_at=T0, queue="nikah", size=20)
        ).lease
        assert info is not None
        return info

    def issue(self) -> m.Reply:
        return self.apply(
            m.IssueTicket(request_id=rid(), node_id="kiosk-3", sent_at=T0, queue="nikah")
        )

    def give_back(self, node: str, lease: m.LeaseInfo, first_unused: int) -> m.Reply:
        return self.apply(
            m.ReturnLease(
                request_id=rid(),
                node_id=node,
                sent_at=T0,
                queue="nikah",
                lease_id=lease.lease_id,
                first_unused=first_unused,
            )
        )

    def replay(self, node: str, lease: m.LeaseInfo, number: int) -> m.Reply:
        ot = m.OfflineTicket(
            ticket_id=f"{node}-g{number:04d}",
            queue="nikah",
            number=number,
            business_day=DAY,
            lease_id=lease.lease_id,
            issued_at=T0 + timedelta(seconds=number),
        )
        return self.apply(m.ReplayTicket(request_id=rid(), node_id=node, sent_at=T0, ticket=ot))

    def online_left(self) -> int | None:
        return self.hall.online_left(NIKAH)  # type: ignore[arg-type]


def code(reply: m.Reply) -> str | None:
    return reply.refusal.code if reply.refusal else None


def test_given_back_numbers_are_issued_online_once(tmp_path: Path) -> None:
    site = Site(tmp_path / "ledger.sqlite3")
    k1 = site.lease("kiosk-1")
    k2 = site.lease("kiosk-2")
    assert (k1.first, k1.last, k2.first, k2.last) == (28, 30, 25, 27)
    assert site.online_left() == 24
    online = [site.issue().ticket for _ in range(24)]
    assert [t.number for t in online if t] == list(range(1, 25))
    assert site.online_left() == 0
    assert code(site.issue()) == "quota_reached"  # numbers 25-30 sit in the two blocks
    assert site.replay("kiosk-2", k2, 25).ok  # kiosk-2 issued 25 from its block

    # kiosk-1 issued 28 offline (not replayed yet) and gives back 29-30.
    back = site.give_back("kiosk-1", k1, 29)
    assert back.ok and back.lease is not None and (back.lease.first, back.lease.last) == (28, 28)
    assert site.online_left() == 2
    site.restart()  # the shrunk block is in the ledger
    assert site.online_left() == 2
    assert [site.issue().ticket.number for _ in range(2)] == [29, 30]  # type: ignore[union-attr]
    assert code(site.issue()) == "quota_reached"
    # The number it kept still replays; the ones it gave back do not.
    assert site.replay("kiosk-1", k1, 28).ok
    assert code(site.replay("kiosk-1", k1, 29)) in ("lease_invalid", "duplicate_number")

    # A repeat changes nothing; another kiosk may not give back kiosk-1's block; a kiosk
    # may not give back a number central has from it.
    assert site.give_back("kiosk-1", k1, 29).ok
    assert code(site.give_back("kiosk-2", k1, 28)) == "lease_invalid"
    assert code(site.give_back("kiosk-2", k2, 25)) == "lease_invalid"

    # kiosk-2's 26-27 lie below central's next online number (31): issued all the same,
    # also after a restart.
    assert site.give_back("kiosk-2", k2, 26).ok
    assert site.online_left() == 2
    site.restart()
    assert site.online_left() == 2
    assert [site.issue().ticket.number for _ in range(2)] == [26, 27]  # type: ignore[union-attr]
    assert code(site.issue()) == "quota_reached"
    assert site.online_left() == 0

    numbers = sorted(t.number for t in site.hall.tickets.values() if t.origin_queue == "nikah")
    assert numbers == list(range(1, 31))  # each number of the quota once


def test_a_block_given_back_whole_and_a_raised_quota(tmp_path: Path) -> None:
    site = Site(tmp_path / "ledger.sqlite3")
    k1 = site.lease("kiosk-1")
    for _ in range(27):
        assert site.issue().ok
    assert code(site.issue()) == "quota_reached"
    assert site.give_back("kiosk-1", k1, k1.first).ok  # nothing issued from it
    assert [site.issue().ticket.number for _ in range(3)] == [28, 29, 30]  # type: ignore[union-attr]
    # No new block from numbers given back or issued.
    assert code(site.apply(
        m.LeaseBlock(request_id=rid(), node_id="kiosk-1", sent_at=T0, queue="nikah", size=3)
    )) == "quota_reached"  # fmt: skip
    # A quota raised today continues above the highest number.
    site.apply(
        m.SetQuota(
            request_id=rid(), node_id="web", sent_at=T0, supervisor="sari", queue="nikah", quota=32
        )
    )
    assert site.issue().ticket.number == 31  # type: ignore[union-attr]
