"""The simulated day's summary from central's ledger (read-only), and its table."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from antrian.catalogue import Catalogue
from antrian.mqtt import now
from hall.sim_clock import SimClock
from hall.sim_ledger import to_simulated
from reports import TicketRecord, read_period
from reports.figures import build_report, mean, p90, service_s

if TYPE_CHECKING:
    from hall.simulate import Simulation


def _business_days(clock: SimClock, catalogue: Catalogue, end_wall: datetime) -> tuple[date, date]:
    return clock.wall0.astimezone(catalogue.tz).date(), end_wall.astimezone(catalogue.tz).date()


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _round(v: float | None) -> float | None:
    return round(v, 2) if v is not None else None


def summarize(sim: Simulation, catalogue: Catalogue) -> dict[str, Any]:
    """Figures from central's ledger (read-only), in simulated time, and the printed tickets."""
    s, day, clock, book = sim.scenario, sim.day, sim.clock, sim.book
    assert day is not None and clock is not None
    first, last = _business_days(clock, catalogue, now())
    sim.business_days = (first, last)
    records = to_simulated(read_period(sim.ledger_path, first, last), clock, day.day)
    report = build_report(records, day.day, day.day, catalogue)
    agency_of = {q.id: q.agency for q in catalogue.queues}
    short = {a.id: a.short for a in catalogue.agencies}

    def tally(tickets: list[TicketRecord]) -> dict[str, int]:
        status = Counter(t.status for t in tickets)
        return {
            "served": status["served"],
            "no_show": status["no_show"],
            "expired": status["expired"],
            "open": status["waiting"] + status["called"] + status["serving"],
        }

    groups = {g.key: g for g in report.groups["agency"]}
    printed_by = Counter(agency_of[t.citizen.queue] for t in book.tickets.values())
    agencies = []
    for a in catalogue.agencies:
        by_final = [t for t in records.tickets if agency_of.get(t.queue) == a.id]
        by_origin = [t for t in records.tickets if agency_of.get(t.origin_queue) == a.id]
        g = groups.get(a.id)
        if not by_origin and not by_final:
            continue
        agencies.append(
            {
                "agency": a.id,
                "name": short[a.id],
                "printed": printed_by[a.id],
                "issued": len(by_origin),
                **tally(by_final),
                "transfers": g.transfers if g else 0,
                "priority": sum(t.priority for t in by_origin),
                "wait_mean_min": _round(g.wait_mean_min) if g else None,
                "wait_p90_min": _round(g.wait_p90_min) if g else None,
                "within_standard": _round(g.within_standard) if g else None,
            }
        )
    hall = report.hall
    refused = Counter(f"{c.queue}: {why}" for c, why in book.refused)
    # How faithfully the real nodes kept the generated day: presses take real time, which
    # the speed multiplies (docs/simulate.md).
    by_id = {t.id: t for t in records.tickets}
    lags, errors = [], []
    pace = {sh.officer: sh.pace for sh in day.shifts}  # a slow officer's services run long
    for held in book.tickets.values():
        rec = by_id.get(held.ticket_id)
        if rec is None:
            continue
        lags.append((rec.issued_at - held.citizen.arrives_at).total_seconds())
        took = service_s(rec)
        if took is not None and not rec.transfers and held.citizen.shows:
            errors.append(took - held.citizen.service_s * pace.get(rec.officer or "", 1.0))
    return {
        "scenario": {
            "name": "day",
            "situation": s.situation,
            "seed": s.seed,
            "date": day.day.isoformat(),
            "opens": f"{day.opens_at:%H:%M}",
            "closes": f"{day.closes_at:%H:%M}",
            "speed": s.speed,
            "site": str(s.site),
            # Central dates its ledger by the real clock: `antrian report --ledger` on the
            # ledger itself needs this date (the sim-time copy carries `date`).
            "business_day": first.isoformat(),
        },
        "citizens": len(day.citizens),
        "printed": len(book.tickets),
        "printed_priority": sum(t.priority for t in book.tickets.values()),
        "refused": dict(refused),
        "without_ticket": len(day.citizens) - len(book.tickets),
        "hall": {
            "issued": len(records.tickets),
            **tally(records.tickets),
            "transfers": len(records.transfers),
            "priority": sum(t.priority for t in records.tickets),
            "wait_mean_min": _round(hall.wait_mean_min),
            "wait_p90_min": _round(hall.wait_p90_min),
            "within_standard": _round(hall.within_standard),
            "no_show_share": _share(hall.no_show, hall.served + hall.no_show),
        },
        "agencies": agencies,
        "fidelity": {
            "issue_lag_mean_s": _round(mean(lags)),
            "issue_lag_p90_s": _round(p90(lags)),
            "service_error_mean_s": _round(mean(errors)),
            "service_error_p90_abs_s": _round(p90([abs(e) for e in errors])),
        },
        "real_seconds": round(sim.real_s, 1),
        "anomalies": book.anomalies,
        "ledger": str(sim.ledger_path),
        "ledger_simulated_time": str(sim.simtime_ledger_path),
    }


def _fmt(v: object, pct: bool = False) -> str:
    if v is None:
        return "-"
    if pct and isinstance(v, float):
        return f"{v * 100:.0f}%"
    if isinstance(v, float):
        return f"{v:.1f}"
    return str(v)


def summary_table(summary: dict[str, Any]) -> str:
    cols = [
        ("agency", "name", False),
        ("printed", "printed", False),
        ("issued", "issued", False),
        ("served", "served", False),
        ("no-show", "no_show", False),
        ("expired", "expired", False),
        ("transfers", "transfers", False),
        ("priority", "priority", False),
        ("wait min", "wait_mean_min", False),
        ("p90 min", "wait_p90_min", False),
        ("in std", "within_standard", True),
    ]
    hall = {**summary["hall"], "name": "Total", "printed": summary["printed"]}
    rows = [[_fmt(r.get(k), pct) for _h, k, pct in cols] for r in [*summary["agencies"], hall]]
    heads = [h for h, _k, _p in cols]
    widths = [max(len(x) for x in col) for col in zip(heads, *rows, strict=True)]

    def line(cells: list[str]) -> str:
        return "  ".join(
            c.ljust(w) if i == 0 else c.rjust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        )

    sc, fid = summary["scenario"], summary["fidelity"]
    out = [
        f"Simulated MPP day {sc['date']} {sc['opens']}-{sc['closes']} (seed {sc['seed']}, "
        f"{sc['speed']:g}x, {summary['real_seconds']} s real): {summary['citizens']} citizens, "
        f"{summary['printed']} printed tickets ({summary['printed_priority']} priority), "
        f"{summary['without_ticket']} without a ticket"
        + (
            f" ({', '.join(f'{k}: {v}' for k, v in summary['refused'].items())})"
            if summary["refused"]
            else ""
        ),
        line(heads),
        *(line(r) for r in rows[:-1]),
        line(["-" * w for w in widths]),
        line(rows[-1]),
        "waits in simulated minutes; 'in std': share of services within the service standard",
        f"timing: tickets issued {fid['issue_lag_mean_s']} s (mean) after arrival, services "
        f"{fid['service_error_mean_s']} s (mean) off the generated length, in simulated time",
    ]
    est = summary.get("estimates") or {}
    if est.get("tickets"):
        out.append(
            f"wait estimates, in simulated minutes: MAE {est['mae_min']} min (bias "
            f"{est['bias_min']}), the printed range held {100 * est['range_coverage']:.0f} % of "
            f"{est['tickets']} waits"
        )
    if summary["anomalies"]:
        out.append(f"{len(summary['anomalies'])} anomalies: " + "; ".join(summary["anomalies"][:5]))
    return "\n".join(out)
