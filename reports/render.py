"""A Report as a terminal table, CSV, XLSX (openpyxl) and PNG charts (matplotlib)."""

from __future__ import annotations

import csv
import logging
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from reports.figures import LEVELS, Group, Report
from reports.labels import Lang, label

if TYPE_CHECKING:
    from openpyxl.worksheet.worksheet import Worksheet

Cell = str | int | float | None

GROUP_COLUMNS = (
    "col.name",
    "col.issued",
    "col.served",
    "col.no_show",
    "col.transfers",
    "col.wait_mean",
    "col.wait_p90",
    "col.wait_max",
    "col.wait_standard",
    "col.within_wait_standard",
    "col.service_mean",
    "col.service_p90",
    "col.standard",
    "col.within_standard",
    "col.no_show_share",
    "col.ratings",
    "col.ikm_coverage",
    "col.ikm_minimum",
    "col.ikm",
    "col.grade",
    "col.signed_in_h",
    "col.paused_min",
    "col.tickets_per_h",
    # Beside the other counts would read better, but the first columns of the terminal
    # table are parsed by tests/hall/test_simulate.py: the two come last everywhere.
    "col.transferred_in",
    "col.not_served",
)
IKM_COLUMN = GROUP_COLUMNS.index("col.ikm")
DAY_COLUMNS = (
    "col.day",
    "col.issued",
    "col.served",
    "col.no_show",
    "col.wait_mean",
    "col.ratings",
    "col.ikm",
    "col.grade",
)


def _r(x: float | None, digits: int = 1) -> float | None:
    return None if x is None else round(x, digits)


def _pct(x: float | None) -> float | None:
    return None if x is None else round(100 * x, 1)


def group_row(g: Group, lang: Lang) -> list[Cell]:
    s = g.satisfaction
    grade = None if s is None else f"{s.grade} {s.label_id if lang == 'id' else s.label_en}"
    if grade is not None and g.ikm_sample_short:
        # PermenPANRB 14/2017's minimum sample not reached: the grade is only a hint.
        grade = f"{grade} ({label('ikm.short', lang)})"
    return [
        g.name or label("level.hall", lang),
        g.issued,
        g.served,
        g.no_show,
        g.transfers,
        _r(g.wait_mean_min),
        _r(g.wait_p90_min),
        _r(g.wait_max_min),
        _r(g.wait_standard_min, 0),
        _pct(g.within_wait_standard),
        _r(g.service_mean_min),
        _r(g.service_p90_min),
        _r(g.standard_min, 0),
        _pct(g.within_standard),
        _pct(g.no_show_share),
        s.ratings if s else 0,
        _pct(g.ikm_coverage),
        g.ikm_minimum if g.served else None,
        s.score if s else None,
        grade,
        _r(g.signed_in_h),
        _r(g.paused_min, 0),
        _r(g.tickets_per_h),
        g.transferred_in,
        g.not_served,
    ]


def fairness_rows(report: Report, lang: Lang) -> list[list[Cell]]:
    f = report.fairness
    share = None if f.priority_share is None else round(100 * f.priority_share, 1)
    return [
        [label("fair.overtakes", lang), f.overtakes],
        [label("fair.overtaken", lang), f.overtaken_tickets],
        [label("fair.priority", lang), f.priority_tickets],
        [label("fair.priority_share", lang), share],
        [label("fair.priority_longest", lang), _r(f.priority_longest_wait_min)],
        [label("peak_hour", lang), _hour(report.peak_hour)],
    ]


def day_rows(report: Report, lang: Lang) -> list[list[Cell]]:
    """Per business day of a range; none for a single day (the hall's row says it all)."""
    if report.start == report.end:
        return []
    keep = {c: i for i, c in enumerate(GROUP_COLUMNS)}
    rows: list[list[Cell]] = []
    for g in report.per_day:
        row = group_row(g, lang)
        rows.append([g.key, *(row[keep[c]] for c in DAY_COLUMNS[1:])])
    return rows


# The figures a month is compared on, each shown for this month and the previous one.
COMPARE_COLUMNS = (
    "col.issued",
    "col.served",
    "col.no_show_share",
    "col.wait_mean",
    "col.wait_max",
    "col.within_wait_standard",
    "col.within_standard",
    "col.ikm",
)


def compare_header(lang: Lang) -> list[str]:
    this, prev = label("col.this", lang), label("col.previous", lang)
    cols = [label("col.level", lang), label("col.name", lang)]
    for c in COMPARE_COLUMNS:
        cols += [f"{label(c, lang)} {this}", f"{label(c, lang)} {prev}"]
    return cols


def compare_rows(report: Report, lang: Lang) -> list[list[Cell]]:
    """Per agency and service, this period's figures beside the previous month's (a row
    only in one of the two periods shows '-' for the other)."""
    prev = report.previous
    if prev is None:
        return []
    at = {c: i for i, c in enumerate(GROUP_COLUMNS)}
    rows: list[list[Cell]] = []
    for level in ("hall", "agency", "queue"):
        now = {g.key: g for g in report.groups[level]}
        before = {g.key: g for g in prev.groups[level]}
        for key in [*now, *(k for k in before if k not in now)]:
            a = group_row(now[key], lang) if key in now else None
            b = group_row(before[key], lang) if key in before else None
            name = (a or b or [key])[0]
            row: list[Cell] = [label(f"row.{level}", lang), name]
            for c in COMPARE_COLUMNS:
                row += [a[at[c]] if a else None, b[at[c]] if b else None]
            rows.append(row)
    return rows


DAY_AGENCY_COLUMNS = (
    "col.day",
    "col.name",
    "col.issued",
    "col.served",
    "col.no_show",
    "col.wait_mean",
    "col.wait_max",
    "col.within_wait_standard",
    "col.within_standard",
    "col.ratings",
    "col.ikm",
)


def day_agency_rows(report: Report, lang: Lang) -> list[list[Cell]]:
    """Per business day and agency, for a range (a single day has its agency rows)."""
    if report.start == report.end:
        return []
    keep = {c: i for i, c in enumerate(GROUP_COLUMNS)}
    rows: list[list[Cell]] = []
    for g in report.per_day_agency:
        row = group_row(g, lang)
        rows.append([g.key.split(" ", 1)[0], *(row[keep[c]] for c in DAY_AGENCY_COLUMNS[1:])])
    return rows


def hour_rows(report: Report) -> list[list[Cell]]:
    return [[_hour(h), n] for h, n in report.per_hour.items()]


def _days(days: tuple[date, ...], lang: Lang) -> str:
    if len(days) <= 5:
        return ", ".join(d.isoformat() for d in days)
    return (
        f"{days[0].isoformat()} {label('to', lang)} {days[-1].isoformat()} "
        f"({len(days)} {label('held.days', lang)})"
    )


def empty_notice(report: Report, lang: Lang) -> str:
    """No tickets in the period: say which days the ledger does hold."""
    if not report.days_held:
        return f"{label('none', lang)}; {label('held.none', lang)}"
    return f"{label('none', lang)}; {label('held', lang)} {_days(report.days_held, lang)}"


def notes(lang: Lang) -> list[str]:
    return [
        label("note.p90", lang),
        label("note.sum", lang),
        label("note.wait", lang),
        label("note.ikm", lang),
        label("note.officer", lang),
        label("note.productivity", lang),
    ]


def _hour(h: int | None) -> str | None:
    return None if h is None else f"{h:02d}:00-{h + 1:02d}:00"


def period_text(report: Report | None, lang: Lang) -> str:
    if report is None:
        return ""
    if report.start == report.end:
        return report.start.isoformat()
    return f"{report.start.isoformat()} {label('to', lang)} {report.end.isoformat()}"


def stem(report: Report) -> str:
    # "laporan" in both languages: scripts that collect the files need not know the lang.
    if report.start == report.end:
        return f"laporan-{report.start.isoformat()}"
    return f"laporan-{report.start.isoformat()}_{report.end.isoformat()}"


# -- terminal ------------------------------------------------------------------------


def _fmt(c: Cell, digits: int = 1) -> str:
    if c is None:
        return "-"
    if isinstance(c, float):
        return f"{c:.{digits}f}" if c != int(c) or abs(c) < 1000 else f"{c:.0f}"
    return str(c)


def _table(header: list[str], rows: list[list[Cell]], ikm_at: int | None = None) -> list[str]:
    # IKM with two decimals as the regulation's bands: 88.30 is B, 88.31 is A.
    cells = [header] + [[_fmt(c, 2 if i == ikm_at else 1) for i, c in enumerate(r)] for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    lines = []
    for n, r in enumerate(cells):
        parts = [r[0].ljust(widths[0])] + [
            v.rjust(w) for v, w in zip(r[1:], widths[1:], strict=True)
        ]
        lines.append("  ".join(parts).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return lines


def to_table(report: Report, lang: Lang) -> str:
    out = [
        f"{label('title', lang)} {report.hall_name}".rstrip(),
        f"{label('period', lang)}: {period_text(report, lang)}  "
        f"({label('days', lang)}: {report.days_with_tickets})",
    ]
    if not report.hall.issued:
        out.append(empty_notice(report, lang))
        return "\n".join(out) + "\n"
    header = [label(c, lang) for c in GROUP_COLUMNS]
    for level in LEVELS:
        out += ["", label(f"level.{level}", lang)]
        rows = [group_row(g, lang) for g in report.groups[level]]
        out += _table(header, rows, ikm_at=IKM_COLUMN)
    if days := day_rows(report, lang):
        out += ["", label("sheet.days", lang)]
        out += _table(
            [label(c, lang) for c in DAY_COLUMNS], days, ikm_at=DAY_COLUMNS.index("col.ikm")
        )
    if per_agency := day_agency_rows(report, lang):
        out += ["", label("sheet.days_agency", lang)]
        out += _table(
            [label(c, lang) for c in DAY_AGENCY_COLUMNS],
            per_agency,
            ikm_at=DAY_AGENCY_COLUMNS.index("col.ikm"),
        )
    if compare := compare_rows(report, lang):
        out += ["", f"{label('compare.title', lang)} ({period_text(report.previous, lang)})"]
        out += _table(compare_header(lang), compare)
    out += ["", *notes(lang)]
    out += ["", label("sheet.hours", lang)]
    top = max(report.per_hour.values())
    for h, n in report.per_hour.items():
        bar = "#" * max(1, round(40 * n / top))
        out.append(f"{_hour(h)}  {n:5d}  {bar}")
    out += ["", label("sheet.fairness", lang)]
    out += [f"{k}: {_fmt(v)}" for k, v in fairness_rows(report, lang)]
    return "\n".join(out) + "\n"


# -- files ---------------------------------------------------------------------------


def _file(report: Report, key: str, lang: Lang, ext: str) -> str:
    """A file name with its suffix in the report's language, e.g. laporan-DAY-per-jam.csv."""
    return f"{stem(report)}-{label(f'file.{key}', lang)}.{ext}"


def _write_csv(path: Path, rows: list[list[Cell]]) -> None:
    # utf-8-sig: the BOM lets Excel detect UTF-8 (names like "Dukcapil – Akta" keep their
    # characters); comma and decimal point stay, because programs read these files too.
    with path.open("w", newline="", encoding="utf-8-sig") as f:
        csv.writer(f).writerows(rows)


def write_csv(report: Report, lang: Lang, out_dir: Path) -> list[Path]:
    """Three files: the groups (one row per hall/agency/service/counter/officer), the
    tickets per hour, and the fairness figures; for a range, a fourth per day."""
    out_dir.mkdir(parents=True, exist_ok=True)
    groups = out_dir / f"{stem(report)}.csv"
    header: list[Cell] = [label("col.level", lang), label("col.key", lang)]
    rows = [header + [label(c, lang) for c in GROUP_COLUMNS]]
    for level in LEVELS:
        for g in report.groups[level]:
            rows.append([label(f"row.{level}", lang), g.key, *group_row(g, lang)])
    _write_csv(groups, rows)
    hours = out_dir / _file(report, "hours", lang, "csv")
    _write_csv(hours, [[label("col.hour", lang), label("col.tickets", lang)], *hour_rows(report)])
    fair = out_dir / _file(report, "fairness", lang, "csv")
    _write_csv(
        fair, [[label("col.item", lang), label("col.value", lang)], *fairness_rows(report, lang)]
    )
    written = [groups, hours, fair]
    if per_agency := day_agency_rows(report, lang):
        path = out_dir / _file(report, "days_agency", lang, "csv")
        _write_csv(path, [[label(c, lang) for c in DAY_AGENCY_COLUMNS], *per_agency])
        written.append(path)
    if compare := compare_rows(report, lang):
        path = out_dir / _file(report, "compare", lang, "csv")
        header_row: list[Cell] = list(compare_header(lang))
        _write_csv(path, [header_row, *compare])
        written.append(path)
    if days := day_rows(report, lang):
        per_day = out_dir / _file(report, "days", lang, "csv")
        _write_csv(per_day, [[label(c, lang) for c in DAY_COLUMNS], *days])
        written.append(per_day)
    return written


def _fit(ws: Worksheet, header_row: int) -> None:
    """Each column as wide as its header and values (rows above the header, a title, may
    run over), and the header frozen while scrolling."""
    # The `reports` extra: loaded only for the format asked for.
    from openpyxl.utils import get_column_letter

    widths: dict[int, int] = {}
    for row in ws.iter_rows(min_row=header_row, max_row=ws.max_row):
        for cell in row:
            if cell.value is not None:
                n = len(str(cell.value))
                widths[cell.column] = max(widths.get(cell.column, 0), n)
    for col, n in widths.items():
        ws.column_dimensions[get_column_letter(col)].width = min(n + 2, 100)
    ws.freeze_panes = ws.cell(row=header_row + 1, column=1)


def write_xlsx(report: Report, lang: Lang, out_dir: Path) -> list[Path]:
    # The `reports` extra: loaded only for the format asked for.
    from openpyxl import Workbook
    from openpyxl.styles import Font

    out_dir.mkdir(parents=True, exist_ok=True)
    wb = Workbook()
    bold = Font(bold=True)

    def table(ws: Worksheet, header: list[str], rows: list[list[Cell]]) -> None:
        ws.append(header)
        header_row = ws.max_row
        for cell in ws[header_row]:
            cell.font = bold
        for row in rows:
            ws.append(row)
        _fit(ws, header_row)

    first = True
    for level in LEVELS:
        ws = wb.active if first else wb.create_sheet()
        assert ws is not None
        first = False
        ws.title = label(f"sheet.{level}", lang)
        if level == "hall":
            ws.append([f"{label('title', lang)} {report.hall_name}".strip()])
            ws.append([label("period", lang), period_text(report, lang)])
            ws.append([label("days", lang), report.days_with_tickets])
            ws.append([])
        header = [label(c, lang) for c in GROUP_COLUMNS]
        table(ws, header, [group_row(g, lang) for g in report.groups[level]])
        if level == "hall":
            # Below the table, so that its column widths stay those of the figures.
            ws.append([])
            if not report.hall.issued:
                ws.append([empty_notice(report, lang)])
            for note in notes(lang):
                ws.append([note])
    if days := day_rows(report, lang):
        ws = wb.create_sheet(label("sheet.days", lang))
        table(ws, [label(c, lang) for c in DAY_COLUMNS], days)
    if per_agency := day_agency_rows(report, lang):
        ws = wb.create_sheet(label("sheet.days_agency", lang))
        table(ws, [label(c, lang) for c in DAY_AGENCY_COLUMNS], per_agency)
    if compare := compare_rows(report, lang):
        ws = wb.create_sheet(label("sheet.compare", lang))
        table(ws, compare_header(lang), compare)
    ws = wb.create_sheet(label("sheet.hours", lang))
    table(ws, [label("col.hour", lang), label("col.tickets", lang)], hour_rows(report))
    ws = wb.create_sheet(label("sheet.fairness", lang))
    table(ws, [label("col.item", lang), label("col.value", lang)], fairness_rows(report, lang))
    path = out_dir / f"{stem(report)}.xlsx"
    wb.save(path)
    return [path]


def write_png(report: Report, lang: Lang, out_dir: Path) -> list[Path]:
    """Two charts: tickets issued per hour, and the wait distribution per agency."""
    # The `reports` extra: loaded only for the format asked for.
    import matplotlib

    matplotlib.use("Agg")  # files only: no display on a site server
    # Its INFO lines ("Using categorical units ...") are not for a hall manager.
    logging.getLogger("matplotlib").setLevel(logging.WARNING)
    import matplotlib.pyplot as plt  # after the backend is chosen

    out_dir.mkdir(parents=True, exist_ok=True)
    hours_path = out_dir / _file(report, "hours", lang, "png")
    fig, ax = plt.subplots(figsize=(8, 4.5), dpi=100)
    hours = list(report.per_hour)
    ax.bar([_hour(h) or "" for h in hours], [report.per_hour[h] for h in hours], color="#2a7ab0")
    ax.set_title(f"{label('chart.hours', lang)} ({period_text(report, lang)})")
    ax.set_xlabel(label("col.hour", lang))
    ax.set_ylabel(label("col.tickets", lang))
    ax.tick_params(axis="x", labelrotation=45)
    fig.tight_layout()
    fig.savefig(hours_path)
    plt.close(fig)

    waits_path = out_dir / _file(report, "waits", lang, "png")
    fig, ax = plt.subplots(figsize=(8, 4.5), dpi=100)
    names = list(report.waits_by_agency)
    if names:
        ax.boxplot([report.waits_by_agency[n] for n in names], showfliers=True)
        ax.set_xticks(range(1, len(names) + 1), names, rotation=30, ha="right")
        # What a box plot shows is not common knowledge: a caption under the chart.
        fig.text(0.5, 0.015, label("chart.box", lang), ha="center", va="bottom", fontsize=7)
    else:
        ax.text(0.5, 0.5, empty_notice(report, lang), ha="center", va="center", wrap=True)
    ax.set_title(f"{label('chart.waits', lang)} ({period_text(report, lang)})")
    ax.set_ylabel(label("chart.minutes", lang))
    fig.tight_layout(rect=(0, 0.05, 1, 1))
    fig.savefig(waits_path)
    plt.close(fig)
    figures = []
    if report.hall.issued:
        # The same figures as the tables, as pictures a report upward can paste in.
        for level in ("hall", "agency", "queue", "officer"):
            rows = [group_row(g, lang) for g in report.groups[level]]
            header = [label(c, lang) for c in GROUP_COLUMNS]
            path = out_dir / _file(report, f"level.{level}", lang, "png")
            _figure_table(plt, path, f"{label(f'level.{level}', lang)}", header, rows, report, lang)
            figures.append(path)
        if compare := compare_rows(report, lang):
            path = out_dir / _file(report, "compare", lang, "png")
            title = f"{label('compare.title', lang)} ({period_text(report.previous, lang)})"
            _figure_table(plt, path, title, compare_header(lang), compare, report, lang)
            figures.append(path)
    return [hours_path, waits_path, *figures]


def _figure_table(
    plt: Any,
    path: Path,
    title: str,
    header: list[str],
    rows: list[list[Cell]],
    report: Report,
    lang: Lang,
) -> None:
    """A table of figures as a PNG: columns that are empty in every row are left out."""
    keep = [i for i in range(len(header)) if i < 2 or any(r[i] is not None for r in rows)]
    cells = [[_fmt(r[i], 2 if header[i] == "IKM" else 1) for i in keep] for r in rows]
    heads = [_wrap(header[i]) for i in keep]
    width = max(8.0, 0.9 * len(keep) + 2)
    fig, ax = plt.subplots(figsize=(width, 1.2 + 0.32 * (len(rows) + 2)), dpi=100)
    ax.axis("off")
    table = ax.table(cellText=cells or [["-"] * len(keep)], colLabels=heads, loc="upper center")
    table.auto_set_font_size(False)
    table.set_fontsize(7)
    table.auto_set_column_width(col=list(range(len(keep))))
    table.scale(1, 1.3)
    for (r, _c), cell in table.get_celld().items():
        if r == 0:
            cell.set_text_props(weight="bold")
            cell.set_height(cell.get_height() * 2.4)
    ax.set_title(f"{report.hall_name} - {title} ({period_text(report, lang)})", fontsize=9)
    fig.savefig(path, bbox_inches="tight")
    plt.close(fig)


def _wrap(text: str, width: int = 12) -> str:
    words, lines, line = text.split(), [], ""
    for w in words:
        if line and len(line) + 1 + len(w) > width:
            lines.append(line)
            line = w
        else:
            line = f"{line} {w}".strip()
    return "\n".join([*lines, line])
