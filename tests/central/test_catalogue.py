"""Every shipped catalogue and central config loads; invalid ones say what to fix."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml

from antrian.config import ConfigError
from antrian.devbroker import REPO_ROOT
from central.config import load_catalogue, load_central_config

CONFIGS = REPO_ROOT / "firmware_configs"


@pytest.mark.parametrize("path", sorted(CONFIGS.glob("*/central.yaml")), ids=str)
def test_shipped_central_configs_load(path: Path) -> None:
    cfg, cat = load_central_config(path)
    assert cfg.site == cat.site
    assert cat.counters and cat.queues


def test_jambi_hours_and_holidays() -> None:
    cat = load_catalogue(CONFIGS / "mpp-jambi" / "catalogue.yaml")
    monday_9 = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # 09:00 WIB
    saturday_9 = datetime(2026, 11, 28, 2, 0, tzinfo=UTC)
    christmas = datetime(2026, 12, 25, 2, 0, tzinfo=UTC)
    assert cat.hall_open(monday_9) and not cat.hall_open(saturday_9)
    assert not cat.hall_open(christmas)
    sim = cat.queue("sim")
    assert sim is not None
    assert not cat.queue_open(sim, datetime(2026, 11, 23, 6, 30, tzinfo=UTC))  # 13:30 WIB


def test_palembang_is_a_hall_of_real_size() -> None:
    """The large sample site that the board, voice and cost tests use (issue 16)."""
    cat = load_catalogue(CONFIGS / "mpp-palembang" / "catalogue.yaml")
    assert len(cat.agencies) >= 28 and len(cat.queues) >= 100 and len(cat.counters) == 60
    # Official names are long; boards and tickets use the short ones.
    assert max(len(a.name) for a in cat.agencies) > 60
    assert all(len(a.short) <= 20 and len(a.short) < len(a.name) for a in cat.agencies)
    # Counters named with letters and words, not only "Loket N".
    names = {c.name for c in cat.counters}
    assert {"Loket 38A", "Drive Thru 1", "Tim Teknis"} <= names
    assert all(len(q.name) >= 4 for q in cat.queues)


def test_officers_roster_is_optional_and_looked_up(tmp_path: Path) -> None:
    raw = yaml.safe_load((CONFIGS / "demo" / "catalogue.yaml").read_text())
    raw.pop("officers", None)
    bare = tmp_path / "bare.yaml"
    bare.write_text(yaml.safe_dump(raw))
    assert load_catalogue(bare).officers == []
    raw["officers"] = [
        {"id": "tono", "name": "Tono Suharto", "agency": "dukcapil"},
        {"id": "rina", "name": "Rina"},  # no agency: optional
    ]
    roster = tmp_path / "roster.yaml"
    roster.write_text(yaml.safe_dump(raw))
    cat = load_catalogue(roster)
    tono = cat.officer("tono")
    assert tono is not None and (tono.name, tono.agency) == ("Tono Suharto", "dukcapil")
    assert cat.officer("nobody") is None


def _broken(tmp_path: Path, mutate: object) -> Path:
    raw = yaml.safe_load((CONFIGS / "demo" / "catalogue.yaml").read_text())
    mutate(raw)  # type: ignore[operator]
    path = tmp_path / "catalogue.yaml"
    path.write_text(yaml.safe_dump(raw))
    return path


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (
            lambda r: r["counters"].append({"id": "loket-9", "name": "L9", "queues": ["ghost"]}),
            "unknown queue 'ghost'",
        ),
        (lambda r: r["queues"].append(dict(r["queues"][0], id="dup")), "duplicate queue prefix"),
        (lambda r: r.update(timezone="UTC"), "timezone"),
        (lambda r: r.update(colour="red"), "unknown setting"),
        (lambda r: r["queues"][0].update(prefix="a1"), "prefix"),
        (lambda r: r.pop("counters"), "required: add it"),
        (lambda r: r["hours"][0].update(open="16:00", close="08:00"), "must be after open"),
        (
            lambda r: r.setdefault("officers", []).extend(
                [{"id": "tono", "name": "Tono"}, {"id": "tono", "name": "Tono Suharto"}]
            ),
            "duplicate officer ids: tono",
        ),
        (
            lambda r: r.setdefault("officers", []).append(
                {"id": "tono", "name": "Tono", "agency": "ghost"}
            ),
            "officer tono: unknown agency 'ghost'",
        ),
        (
            lambda r: r.setdefault("officers", []).insert(0, {"id": "Tono", "name": "T"}),
            "officers.0.id",
        ),
    ],
)
def test_invalid_catalogue_names_file_field_and_fix(
    tmp_path: Path, mutate: object, message: str
) -> None:
    path = _broken(tmp_path, mutate)
    with pytest.raises(ConfigError) as err:
        load_catalogue(path)
    assert str(path) in str(err.value)
    assert message in str(err.value)
