"""A Report as a terminal table, CSV, XLSX (openpyxl) and PNG charts (matplotlib)."""

from __future__ import annotations

import csv
from pathlib import Path

from reports.figures import LEVELS, Group, Report
from reports.labels import Lang, label

Cell = str | int | float | None

GROUP_COLUMNS = (
    "col.name",
    "col.issued",
    "col.served",
    "col.no_show",
    "col.transfers",
    "col.wait_mean",
    "col.wait_p90",
    "col.service_mean",
    "col.service_p90",
    "col.within_standard",
    "col.ratings",
    "col.ikm",
    "col.grade",
)


def _r(x: float | None, digits: int = 1) -> float | None:
    return None if x is None else round(x, digits)


def group_row(g: Group, lang: Lang) -> list[Cell]:
    s = g.satisfaction
    grade = None if s is None else f"{s.grade} {s.label_id if lang == 'id' else s.label_en}"
    return [
        g.name or label("level.hall", lang),
        g.issued,
        g.served,
        g.no_show,
        g.transfers,
        _r(g.wait_mean_min),
        _r(g.wait_p90_min),
        _r(g.service_mean_min),
        _r(g.service_p90_min),
        None if g.within_standard is None else round(100 * g.within_standard, 1),
        s.ratings if s else 0,
        s.score if s else None,
        grade,
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


def _hour(h: int | None) -> str | None:
    return None if h is None else f"{h:02d}:00-{h + 1:02d}:00"


def _period(report: Report) -> str:
    if report.start == report.end:
        return report.start.isoformat()
    return f"{report.start.isoformat()} .. {report.end.isoformat()}"


def stem(report: Report) -> str:
    if report.start == report.end:
        return f"laporan-{report.start.isoformat()}"
    return f"laporan-{report.start.isoformat()}_{report.end.isoformat()}"


# -- terminal ------------------------------------------------------------------------


def _fmt(c: Cell) -> str:
    if c is None:
        return "-"
    if isinstance(c, float):
        return f"{c:.1f}" if c != int(c) or abs(c) < 1000 else f"{c:.0f}"
    return str(c)


def _table(header: list[str], rows: list[list[Cell]]) -> list[str]:
    cells = [header] + [[_fmt(c) for c in r] for r in rows]
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
        f"{label('period', lang)}: {_period(report)}  "
        f"({label('days', lang)}: {report.days_with_tickets})",
    ]
    if not report.hall.issued:
        out.append(label("none", lang))
        return "\n".join(out) + "\n"
    header = [label(c, lang) for c in GROUP_COLUMNS]
    for level in LEVELS:
        out += ["", label(f"level.{level}", lang)]
        out += _table(header, [group_row(g, lang) for g in report.groups[level]])
    out += ["", label("sheet.hours", lang)]
    top = max(report.per_hour.values())
    for h, n in report.per_hour.items():
        bar = "#" * max(1, round(40 * n / top))
        out.append(f"{_hour(h)}  {n:5d}  {bar}")
    out += ["", label("sheet.fairness", lang)]
    out += [f"{k}: {_fmt(v)}" for k, v in fairness_rows(report, lang)]
    return "\n".join(out) + "\n"


# -- files ---------------------------------------------------------------------------


def write_csv(report: Report, lang: Lang, out_dir: Path) -> list[Path]:
    """Three files: the groups (one row per hall/agency/service/counter/officer), the
    tickets per hour, and the fairness figures."""
    out_dir.mkdir(parents=True, exist_ok=True)
    base = stem(report)
    groups = out_dir / f"{base}.csv"
    with groups.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(
            [label("col.level", lang), label("col.key", lang)]
            + [label(c, lang) for c in GROUP_COLUMNS]
        )
        for level in LEVELS:
            for g in report.groups[level]:
                w.writerow([level, g.key, *group_row(g, lang)])
    hours = out_dir / f"{base}-{label('sheet.hours', lang).lower().replace(' ', '-')}.csv"
    with hours.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow([label("col.hour", lang), label("col.tickets", lang)])
        w.writerows([h, n] for h, n in report.per_hour.items())
    fair = out_dir / f"{base}-{label('sheet.fairness', lang).lower()}.csv"
    with fair.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow([label("col.item", lang), label("col.value", lang)])
        w.writerows(fairness_rows(report, lang))
    return [groups, hours, fair]


def write_xlsx(report: Report, lang: Lang, out_dir: Path) -> list[Path]:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    out_dir.mkdir(parents=True, exist_ok=True)
    wb = Workbook()
    bold = Font(bold=True)
    first = True
    for level in LEVELS:
        ws = wb.active if first else wb.create_sheet()
        assert ws is not None
        first = False
        ws.title = label(f"sheet.{level}", lang)
        if level == "hall":
            ws.append([f"{label('title', lang)} {report.hall_name}".strip()])
            ws.append([label("period", lang), _period(report)])
            ws.append([])
        ws.append([label(c, lang) for c in GROUP_COLUMNS])
        for cell in ws[ws.max_row]:
            cell.font = bold
        for g in report.groups[level]:
            ws.append(group_row(g, lang))
        ws.column_dimensions["A"].width = 36
    ws = wb.create_sheet(label("sheet.hours", lang))
    ws.append([label("col.hour", lang), label("col.tickets", lang)])
    for h, n in report.per_hour.items():
        ws.append([h, n])
    ws = wb.create_sheet(label("sheet.fairness", lang))
    ws.append([label("col.item", lang), label("col.value", lang)])
    for row in fairness_rows(report, lang):
        ws.append(row)
    ws.column_dimensions["A"].width = 60
    path = out_dir / f"{stem(report)}.xlsx"
    wb.save(path)
    return [path]


def write_png(report: Report, lang: Lang, out_dir: Path) -> list[Path]:
    """Two charts: tickets issued per hour, and the wait distribution per agency."""
    import matplotlib

    matplotlib.use("Agg")  # files only: no display on a site server
    import matplotlib.pyplot as plt

    out_dir.mkdir(parents=True, exist_ok=True)
    base = stem(report)
    hours_path = out_dir / f"{base}-per-jam.png"
    fig, ax = plt.subplots(figsize=(8, 4.5), dpi=100)
    hours = list(report.per_hour)
    ax.bar([_hour(h) or "" for h in hours], [report.per_hour[h] for h in hours], color="#2a7ab0")
    ax.set_title(f"{label('chart.hours', lang)} ({_period(report)})")
    ax.set_xlabel(label("col.hour", lang))
    ax.set_ylabel(label("col.tickets", lang))
    ax.tick_params(axis="x", labelrotation=45)
    fig.tight_layout()
    fig.savefig(hours_path)
    plt.close(fig)

    waits_path = out_dir / f"{base}-tunggu.png"
    fig, ax = plt.subplots(figsize=(8, 4.5), dpi=100)
    names = list(report.waits_by_agency)
    if names:
        ax.boxplot([report.waits_by_agency[n] for n in names], showfliers=True)
        ax.set_xticks(range(1, len(names) + 1), names, rotation=30, ha="right")
    else:
        ax.text(0.5, 0.5, label("none", lang), ha="center", va="center")
    ax.set_title(f"{label('chart.waits', lang)} ({_period(report)})")
    ax.set_ylabel(label("chart.minutes", lang))
    fig.tight_layout()
    fig.savefig(waits_path)
    plt.close(fig)
    return [hours_path, waits_path]
