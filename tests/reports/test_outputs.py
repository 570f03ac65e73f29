"""Every output opens with its usual reader: csv, openpyxl, PIL; the CLI end to end."""

from __future__ import annotations

import csv
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import yaml
from openpyxl import load_workbook
from PIL import Image

from antrian.cli import main
from central.testing import DEMO_CATALOGUE
from reports import LedgerStream, Report, build_report, read_period
from reports.render import to_table, write_csv, write_png, write_xlsx

from .scripted_day import CAT, CAT_ROSTER, DAY, write_scripted_day


@pytest.fixture(scope="module")
def ledger(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("ledger") / "ledger.sqlite3"
    write_scripted_day(path)
    return path


def test_csv_opens_with_the_csv_module(ledger: Path, tmp_path: Path) -> None:
    report = build_report(read_period(ledger, DAY, DAY), DAY, DAY, CAT)
    groups, hours, fairness = write_csv(report, "id", tmp_path)
    # A byte order mark, so that Excel reads the file as UTF-8.
    assert groups.read_bytes().startswith(b"\xef\xbb\xbf")
    with groups.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    hall = next(r for r in rows if r["tingkat"] == "mal")
    assert (hall["diambil"], hall["dilayani"], hall["tidak hadir"]) == ("7", "6", "1")
    assert (hall["dialihkan keluar"], hall["dialihkan masuk"], hall["tidak terlayani"]) == (
        "1",
        "1",
        "0",
    )
    # Four ratings of the day's citizens: fewer than PermenPANRB 14/2017's sample.
    assert hall["IKM"] == "81.25" and hall["mutu"] == "B Baik (sampel kurang)"
    assert {r["tingkat"] for r in rows} == {"mal", "instansi", "layanan", "loket", "petugas"}
    with hours.open(encoding="utf-8-sig", newline="") as f:
        assert list(csv.reader(f)) == [
            ["jam", "diambil"],
            ["08:00-09:00", "5"],
            ["09:00-10:00", "2"],
        ]
    with fairness.open(encoding="utf-8-sig", newline="") as f:
        items = dict(csv.reader(f))
    assert items["Nomor yang tersalip"] == "1" and items["Tiket prioritas"] == "1"
    assert items["Jam tersibuk"] == "08:00-09:00"


def test_english_csv_keeps_english_level_values(ledger: Path, tmp_path: Path) -> None:
    report = build_report(read_period(ledger, DAY, DAY), DAY, DAY, CAT)
    groups, _, _ = write_csv(report, "en", tmp_path)
    with groups.open(encoding="utf-8-sig", newline="") as f:
        levels = {r["level"] for r in csv.DictReader(f)}
    assert levels == {"hall", "agency", "queue", "counter", "officer"}


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
    assert dukcapil[-6:] == ("A Very good (sample too small)", None, None, None, 0, 0)
    summary = [r for r in wb["Summary"].iter_rows(values_only=True) if any(r)]
    assert summary[1][:2] == ("Period", "2026-11-23")
    assert summary[2][:2] == ("Days with tickets", 1)
    assert any(str(r[0]).startswith("P90: 90 % of tickets") for r in summary)
    assert list(wb["Per hour"].iter_rows(values_only=True)) == [
        ("hour", "issued"),
        ("08:00-09:00", 5),
        ("09:00-10:00", 2),
    ]
    wb.close()


def test_xlsx_columns_fit_and_the_header_stays(ledger: Path, tmp_path: Path) -> None:
    report = build_report(read_period(ledger, DAY, DAY), DAY, DAY, CAT)
    (path,) = write_xlsx(report, "id", tmp_path)
    wb = load_workbook(path)
    for ws in wb.worksheets:
        header_row = 5 if ws.title == "Ringkasan" else 1
        assert ws.freeze_panes == f"A{header_row + 1}", ws.title
        # The table runs to the first empty row (notes below it may run over).
        rows = []
        for row in ws.iter_rows(min_row=header_row):
            if all(c.value is None for c in row):
                break
            rows.append(row)
        for cells in zip(*rows, strict=True):
            longest = max(len(str(c.value)) for c in cells if c.value is not None)
            width = ws.column_dimensions[cells[0].column_letter].width
            assert width >= longest, (ws.title, cells[0].column_letter)
    wb.close()


def test_png_charts_open_with_pil(ledger: Path, tmp_path: Path) -> None:
    report = build_report(read_period(ledger, DAY, DAY), DAY, DAY, CAT)
    paths = write_png(report, "id", tmp_path)
    # The two charts, then the tables' figures as pictures (issue 17: every format).
    assert [p.name for p in paths] == [
        "laporan-2026-11-23-per-jam.png",
        "laporan-2026-11-23-tunggu.png",
        "laporan-2026-11-23-ringkasan.png",
        "laporan-2026-11-23-instansi.png",
        "laporan-2026-11-23-layanan.png",
        "laporan-2026-11-23-petugas.png",
    ]
    for p in paths[2:]:
        with Image.open(p) as img:
            assert img.format == "PNG" and img.size[0] > 800
    english = write_png(report, "en", tmp_path / "en")
    assert [p.name for p in english[:3]] == [
        "laporan-2026-11-23-per-hour.png",
        "laporan-2026-11-23-waits.png",
        "laporan-2026-11-23-summary.png",
    ]
    paths = paths[:2] + english[:2]
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
    assert "Tiket prioritas: 1" in text_id and "Persentase tiket prioritas (%)" in text_id
    text_en = to_table(report, "en")
    assert "By agency" in text_en and "Overtakes" in text_en and "B Good" in text_en
    assert "Loket 3" in text_en and "08:00-09:00      5" in text_en
    # IKM with the two decimals of the regulation's bands; P90 and the sum explained once.
    assert " 81.25  B Good" in text_en and " 91.67  A Very good" in text_en
    assert text_en.count("P90: 90 % of tickets took no longer") == 1
    assert text_en.count("issued + transferred in = served + no-show") == 1


def test_officer_names_in_every_output(
    ledger: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report = build_report(read_period(ledger, DAY, DAY), DAY, DAY, CAT_ROSTER)
    expected = {"budi": "Budi Santoso (budi)", "eko": "eko", "sari": "Sari Wulandari (sari)"}
    table = to_table(report, "id").splitlines()
    officers = table[table.index("Per petugas") + 3 :][:3]
    assert [line.split("  ")[0].strip() for line in officers] == list(expected.values())
    # CSV: the code stays in its own column for programs, the name column reads as above.
    groups, _, _ = write_csv(report, "id", tmp_path)
    with groups.open(encoding="utf-8-sig", newline="") as f:
        rows = [r for r in csv.DictReader(f) if r["tingkat"] == "petugas"]
    assert {r["kode"]: r["nama"] for r in rows} == expected
    (path,) = write_xlsx(report, "en", tmp_path)
    wb = load_workbook(path, read_only=True)
    names = [r[0] for r in wb["Officers"].iter_rows(min_row=2, values_only=True)]
    wb.close()
    assert names == list(expected.values())
    # End to end: the roster from a catalogue file.
    cat = tmp_path / "catalogue.yaml"
    cat.write_text(yaml.safe_dump(CAT_ROSTER.model_dump(mode="json")))
    code = main(
        ["report", "--date", "2026-11-23", "--ledger", str(ledger), "--catalogue", str(cat)]
    )
    assert code == 0 and "Sari Wulandari (sari)" in capsys.readouterr().out


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
        "laporan-2026-11-23-skm.csv",  # the web survey's SKM (none in this ledger)
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
    assert "Periode: 2026-11-22 s.d. 2026-11-24" in out and "Hari dengan antrian: 1" in out


def test_cli_refuses_bad_input_clearly(
    ledger: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def err(*argv: str) -> str:
        assert main(["report", *argv]) == 2
        text = capsys.readouterr().err
        # One plain line, not a log line with a timestamp and module name.
        assert text.startswith("antrian report: ") and text.count("\n") == 1, text
        return text

    assert "not found: pass --ledger" in err("--date", "2026-11-23", "--ledger", "x.db")
    text = err("--from", "2026-11-23", "--to", "2026-11-01", "--ledger", "x")
    assert "is before --from" in text and "--from 2026-11-01 --to 2026-11-23" in text
    missing = err("--ledger", str(ledger), "--catalogue", str(tmp_path / "nope.yaml"))
    assert "check the --catalogue path" in missing
    a_file = tmp_path / "a-file"
    a_file.write_text("")
    for out in (a_file, a_file / "below"):
        text = err(
            "--date", "2026-11-23", "--ledger", str(ledger), "--format", "csv", "--out", str(out)
        )
        assert "not a directory" in text
    with pytest.raises(SystemExit):
        main(["report", "--date", "23-11-2026", "--ledger", "x"])
    assert "use YYYY-MM-DD" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["report", "--date", "2026-02-30", "--ledger", "x"])
    text = capsys.readouterr().err
    assert "no day 30" in text and "YYYY-MM-DD" not in text


def test_cli_out_that_cannot_be_written_is_a_clear_error(
    ledger: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "mkdir", refuse)  # as root, chmod would not stop the test
    argv = ["report", "--date", "2026-11-23", "--ledger", str(ledger), "--format", "xlsx"]
    assert main([*argv, "--out", str(tmp_path / "out")]) == 2
    assert capsys.readouterr().err == (
        f"antrian report: cannot write the xlsx files to {tmp_path / 'out'}: Permission denied\n"
    )


def test_cli_empty_period_names_the_days_the_ledger_holds(
    ledger: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["report", "--date", "2026-11-24", "--ledger", str(ledger)]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "tidak ada data untuk periode ini; ledger ini memuat antrian pada 2026-11-23" in out
    # Files are written for an empty day too, but not without a word.
    assert main([*argv, "--format", "csv", "--lang", "en", "--out", str(tmp_path)]) == 0
    err = capsys.readouterr().err
    assert (
        err == "antrian report: no data for this period; this ledger holds tickets for 2026-11-23\n"
    )


def test_cli_default_date_is_the_halls_today(
    ledger: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # 18:00 UTC on the 22nd is 01:00 WIB on the 23rd: the server's date is the day before.
    monkeypatch.setattr(
        "reports.cli._now", lambda tz: datetime(2026, 11, 22, 18, 0, tzinfo=UTC).astimezone(tz)
    )
    assert main(["report", "--ledger", str(ledger), "--catalogue", str(DEMO_CATALOGUE)]) == 0
    assert "Periode: 2026-11-23  (Hari dengan antrian: 1)" in capsys.readouterr().out
    # Without a catalogue: the business day central last recorded in the ledger.
    monkeypatch.setattr("reports.cli._now", lambda tz: datetime(2027, 1, 5, tzinfo=tz))
    assert main(["report", "--ledger", str(ledger)]) == 0
    assert "Periode: 2026-11-23  (Hari dengan antrian: 1)" in capsys.readouterr().out


def test_cli_png_keeps_matplotlib_quiet(
    ledger: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["report", "--date", "2026-11-23", "--ledger", str(ledger), "--format", "png"]
    assert main([*argv, "--out", str(tmp_path)]) == 0
    assert capsys.readouterr().err == ""


def _two_days(ledger: Path) -> Report:
    """The scripted day and a copy of it a day later, without its no-show."""
    data = read_period(ledger, DAY, DAY)
    later = [
        replace(t, id=f"{t.id}-b", day=date(2026, 11, 24))
        for t in data.tickets
        if t.status != "no_show"
    ]
    both = replace(data, tickets=data.tickets + later)
    return build_report(both, DAY, date(2026, 11, 24), CAT)


def test_a_range_has_a_row_per_day(ledger: Path, tmp_path: Path) -> None:
    report = _two_days(ledger)
    expected_id = [
        ["tanggal", "diambil", "dilayani", "tidak hadir", "rata-rata tunggu (mnt)"],
        ["2026-11-23", "7", "6", "1", "25.1"],
        ["2026-11-24", "6", "6", "0", "26.8"],
    ]
    text = to_table(report, "id")
    assert "Per hari" in text and "Periode: 2026-11-23 s.d. 2026-11-24" in text
    lines = text.splitlines()
    at = lines.index("Per hari")
    assert lines[at + 3].split()[:5] == expected_id[1]
    assert lines[at + 4].split()[:5] == expected_id[2]
    paths = write_csv(report, "id", tmp_path)
    assert paths[-1].name == "laporan-2026-11-23_2026-11-24-per-hari.csv"
    with paths[-1].open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    assert [r[:5] for r in rows] == expected_id
    assert rows[1][6:] == ["81.25", "B Baik (sampel kurang)"]
    (xlsx,) = write_xlsx(report, "en", tmp_path)
    wb = load_workbook(xlsx, read_only=True)
    assert "Per day" in wb.sheetnames
    day_rows = list(wb["Per day"].iter_rows(values_only=True))
    assert day_rows[0][:3] == ("date", "issued", "served")
    assert [r[0] for r in day_rows[1:]] == ["2026-11-23", "2026-11-24"]
    wb.close()
    # One day has no per-day table: the hall's row is that day.
    single = build_report(read_period(ledger, DAY, DAY), DAY, DAY, CAT)
    assert "Per hari" not in to_table(single, "id")
    assert len(write_csv(single, "id", tmp_path / "one")) == 3


def test_month_report_shows_the_previous_month_beside_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:

    from central.config import load_catalogue
    from central.hall import Hall
    from central.ledger import Ledger
    from sim.day import generate_day
    from sim.driver import play

    cat = load_catalogue(DEMO_CATALOGUE)
    path = tmp_path / "ledger.sqlite3"
    ledger = Ledger(path)
    days = [date(2026, 10, 30), date(2026, 11, 2), date(2026, 11, 3)]
    for i, day in enumerate(days):
        hall = Hall(cat, day, int(ledger.meta("seq") or 0))
        ledger.commit(play(hall, generate_day(cat, day, 40 + i)), hall.day, hall.seq)
    ledger.close()
    args = ["report", "--ledger", str(path), "--catalogue", str(DEMO_CATALOGUE)]
    assert main([*args, "--month", "2026-11"]) == 0
    text = capsys.readouterr().out
    assert "Periode: 2026-11-01 s.d. 2026-11-30" in text
    assert "Dibanding bulan sebelumnya (2026-10-01 s.d. 2026-10-31)" in text
    november = build_report(
        LedgerStream(path, date(2026, 11, 1), date(2026, 11, 30)),
        date(2026, 11, 1),
        date(2026, 11, 30),
        cat,
    )
    october = build_report(
        LedgerStream(path, date(2026, 10, 1), date(2026, 10, 31)),
        date(2026, 10, 1),
        date(2026, 10, 31),
        cat,
    )
    assert november.hall.issued and october.hall.issued
    (out_dir := tmp_path / "out").mkdir()
    assert main([*args, "--month", "2026-11", "--format", "csv", "--out", str(out_dir)]) == 0
    compare = out_dir / "laporan-2026-11-01_2026-11-30-banding.csv"
    with compare.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0][:4] == ["tingkat", "nama", "diambil bulan ini", "diambil bulan lalu"]
    hall_row = next(r for r in rows if r[0] == "mal")
    assert hall_row[2:4] == [str(november.hall.issued), str(october.hall.issued)]
    dukcapil = next(r for r in rows if r[1] == "A KTP-el, KK, Akta")
    q_now = next(g for g in november.groups["queue"] if g.key == "dukcapil")
    q_before = next(g for g in october.groups["queue"] if g.key == "dukcapil")
    assert dukcapil[2:4] == [str(q_now.issued), str(q_before.issued)]
    assert main([*args, "--month", "2026-11", "--format", "png", "--out", str(out_dir)]) == 0
    assert (out_dir / "laporan-2026-11-01_2026-11-30-banding.png").is_file()


def test_month_argument_is_checked() -> None:
    with pytest.raises(SystemExit) as exc:
        main(["report", "--ledger", "x.sqlite3", "--month", "2026-13"])
    assert exc.value.code == 2
