"""Every output opens with its usual reader: csv, openpyxl, PIL; the CLI end to end."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from openpyxl import load_workbook
from PIL import Image

from antrian.cli import main
from central.testing import DEMO_CATALOGUE
from reports import build_report, read_period
from reports.render import to_table, write_csv, write_png, write_xlsx

from .scripted_day import CAT, DAY, write_scripted_day


@pytest.fixture(scope="module")
def ledger(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("ledger") / "ledger.sqlite3"
    write_scripted_day(path)
    return path


def test_csv_opens_with_the_csv_module(ledger: Path, tmp_path: Path) -> None:
    report = build_report(read_period(ledger, DAY, DAY), DAY, DAY, CAT)
    groups, hours, fairness = write_csv(report, "id", tmp_path)
    with groups.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    hall = next(r for r in rows if r["tingkat"] == "hall")
    assert (hall["diambil"], hall["dilayani"], hall["tidak hadir"]) == ("7", "6", "1")
    assert hall["IKM"] == "81.25" and hall["mutu"] == "B Baik"
    assert {r["tingkat"] for r in rows} == {"hall", "agency", "queue", "counter", "officer"}
    with hours.open(encoding="utf-8", newline="") as f:
        assert list(csv.reader(f)) == [["jam", "antrian diambil"], ["8", "5"], ["9", "2"]]
    with fairness.open(encoding="utf-8", newline="") as f:
        items = dict(csv.reader(f))
    assert items["Nomor yang tersalip"] == "1"
    assert items["Jam tersibuk"] == "08:00-09:00"


def test_xlsx_opens_with_openpyxl(ledger: Path, tmp_path: Path) -> None:
    report = build_report(read_period(ledger, DAY, DAY), DAY, DAY, CAT)
    (path,) = write_xlsx(report, "en", tmp_path)
    wb = load_workbook(path, read_only=True)
    assert wb.sheetnames == [
        "Summary",
        "Agencies",
        "Services",
        "Counters",
        "Officers",
        "Per hour",
        "Fairness",
    ]
    services = list(wb["Services"].iter_rows(values_only=True))
    assert services[0][:3] == ("name", "issued", "served")
    dukcapil = next(r for r in services if r[0] == "A KTP-el, KK, Akta")
    assert dukcapil[1:5] == (5, 4, 1, 0)
    assert dukcapil[-1] == "A Very good"
    assert list(wb["Per hour"].iter_rows(values_only=True)) == [
        ("hour", "tickets issued"),
        (8, 5),
        (9, 2),
    ]
    wb.close()


def test_png_charts_open_with_pil(ledger: Path, tmp_path: Path) -> None:
    report = build_report(read_period(ledger, DAY, DAY), DAY, DAY, CAT)
    paths = write_png(report, "id", tmp_path)
    assert [p.name for p in paths] == [
        "laporan-2026-11-23-per-jam.png",
        "laporan-2026-11-23-tunggu.png",
    ]
    for p in paths:
        with Image.open(p) as img:
            img.verify()
        with Image.open(p) as img:
            assert img.format == "PNG" and img.size == (800, 450)
            # A chart, not a blank page: many distinct colours.
            assert len(img.convert("RGB").getcolors(maxcolors=100_000) or []) > 10


def test_table_in_both_languages(ledger: Path) -> None:
    report = build_report(read_period(ledger, DAY, DAY), DAY, DAY, CAT)
    text_id = to_table(report, "id")
    assert "Per instansi" in text_id and "Penyalipan" in text_id and "B Baik" in text_id
    text_en = to_table(report, "en")
    assert "By agency" in text_en and "Overtakes" in text_en and "B Good" in text_en
    assert "Loket 3" in text_en and "08:00-09:00      5" in text_en


def test_cli_with_ledger_and_catalogue(
    ledger: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = ledger.read_bytes()
    code = main(
        [
            "report",
            "--date",
            "2026-11-23",
            "--ledger",
            str(ledger),
            "--catalogue",
            str(DEMO_CATALOGUE),
            "--format",
            "table",
            "--format",
            "xlsx",
            "--format",
            "csv",
            "--lang",
            "en",
            "--out",
            str(tmp_path / "out"),
        ]
    )
    out = capsys.readouterr().out
    assert code == 0
    assert "Service Report Mal Pelayanan Publik Kota Demo" in out
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "laporan-2026-11-23-fairness.csv",
        "laporan-2026-11-23-per-hour.csv",
        "laporan-2026-11-23.csv",
        "laporan-2026-11-23.xlsx",
    ]
    assert ledger.read_bytes() == before


def test_cli_with_central_config_and_a_range(
    ledger: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = tmp_path / "central.yaml"
    cfg.write_text(
        f"site: demo\nstate_dir: {tmp_path}\ncatalogue: {DEMO_CATALOGUE}\nledger: {ledger}\n"
    )
    code = main(["report", "--from", "2026-11-22", "--to", "2026-11-24", "--config", str(cfg)])
    out = capsys.readouterr().out
    assert code == 0
    assert "Periode: 2026-11-22 .. 2026-11-24" in out and "Hari dengan antrian: 1" in out


def test_cli_refuses_bad_input_clearly(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # The command configures logging to stderr itself (basicConfig with force=True).
    assert main(["report", "--date", "2026-11-23", "--ledger", str(tmp_path / "x.db")]) == 2
    assert "not found: pass --ledger" in capsys.readouterr().err
    code = main(["report", "--from", "2026-11-23", "--to", "2026-11-01", "--ledger", "x"])
    assert code == 2 and "is before --from" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["report", "--date", "23-11-2026", "--ledger", "x"])
