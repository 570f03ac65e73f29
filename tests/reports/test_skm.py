"""SKM per element and IKM from the web survey's answers in the ledger (PermenPANRB 14/2017)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from antrian.cli import main
from central.hall import Hall
from central.ledger import Ledger
from central.testing import DEMO_CATALOGUE
from protocol import messages as m
from reports import skm

from .scripted_day import CAT, DAY, at

# Two citizens' answers: the NRR per element is their mean.
FIRST = [4, 4, 3, 4, 3, 4, 4, 2, 3]
SECOND = [3, 4, 3, 4, 4, 4, 3, 2, 4]


def served_and_surveyed(path: Path, answers: list[list[int]]) -> None:
    """Tickets issued, served and surveyed through the hall domain, committed as central
    would; the survey's ticket comes from the token central found (here, the id)."""
    hall, ledger = Hall(CAT, DAY), Ledger(path)
    ids = iter(range(1, 1000))

    def send(req: m.RequestBase, token_ticket: str | None = None) -> m.Reply:
        out = hall.apply(req, at(9, 0), token_ticket=token_ticket)  # type: ignore[arg-type]
        ledger.commit([(req, out)], hall.day, hall.seq)  # type: ignore[list-item]
        return out.reply

    def base(node: str) -> dict[str, object]:
        return {"request_id": f"request-{next(ids):04d}", "node_id": node, "sent_at": at(9, 0)}

    for row in answers:
        issued = send(m.IssueTicket(queue="dukcapil", **base("kiosk-1")))
        assert issued.ticket is not None
        send(m.CallNext(counter="loket-1", **base("caller-1")))
        send(m.FinishService(counter="loket-1", **base("caller-1")))
        req = m.SubmitSurvey(token="T" * 22, answers=row, **base("web"))
        assert send(req, issued.ticket.ticket_id).ok
        again = m.SubmitSurvey(token="T" * 22, answers=row, **base("web"))
        refused = send(again, issued.ticket.ticket_id)
        assert refused.refusal is not None and refused.refusal.code == "already_surveyed"
    ledger.close()


def test_nrr_per_element_and_ikm(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite3"
    served_and_surveyed(path, [FIRST, SECOND])
    surveys = skm.read_surveys(path, DAY, DAY)
    assert len(surveys) == 2 and {s.agency for s in surveys} == {"Dukcapil"}
    result = skm.skm(surveys)
    assert result is not None and result.respondents == 2
    assert result.nrr == (3.5, 4.0, 3.0, 4.0, 3.5, 4.0, 3.5, 2.0, 3.5)
    # sum(NRR) / 9 = 31 / 9 = 3.444..; x 25 = 86.11: B (Baik), 76.61-88.30.
    assert result.ikm == 86.11 and result.grade == "B" and result.label_id == "Baik"
    assert skm.skm([]) is None


def test_all_fours_is_a_and_all_ones_is_d() -> None:
    top = skm.skm([skm.Survey("t", DAY, "X", (4,) * 9)])
    low = skm.skm([skm.Survey("t", DAY, "X", (1,) * 9)])
    assert top is not None and (top.ikm, top.grade) == (100.0, "A")
    assert low is not None and (low.ikm, low.grade) == (25.0, "D")


def test_report_shows_skm_beside_ikm(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "ledger.sqlite3"
    served_and_surveyed(path, [FIRST, SECOND])
    args = ["report", "--ledger", str(path), "--catalogue", str(DEMO_CATALOGUE),
            "--date", DAY.isoformat()]  # fmt: skip
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "Survei Kepuasan Masyarakat (SKM, PermenPANRB 14/2017)" in out
    hall_row = next(line for line in out.splitlines() if line.startswith("Seluruh aula"))
    assert "86.11" in hall_row and "B (Baik)" in hall_row and "3.50" in hall_row
    assert main([*args, "--format", "csv", "--out", str(tmp_path)]) == 0
    path_csv = tmp_path / f"laporan-{DAY.isoformat()}-skm.csv"
    with path_csv.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0][:3] == ["Unit", "Responden", "U1"]
    assert rows[1][0] == "Seluruh aula" and rows[1][-2] == "86.11"
    assert rows[2][0] == "Dukcapil"


def test_period_without_surveys_says_so(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite3"
    served_and_surveyed(path, [])
    assert skm.to_lines(skm.read_surveys(path, DAY, DAY), "en")[-1] == (
        "No survey answered in this period."
    )
