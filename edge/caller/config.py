"""The caller node's config: which counters this Pi serves, their pins, timing and screen."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from antrian.config import NodeConfig, load_yaml, resolve

IDENT = r"^[a-z0-9][a-z0-9_-]*$"

# A pin as gpiozero names it: a BCM number (17) or a name ("GPIO17", "BOARD11").
Pin = int | str


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TransferButton(_Strict):
    pin: Pin
    to_queue: str = Field(pattern=IDENT, max_length=48)


class Buttons(_Strict):
    """The officer's buttons of one counter. Only NEXT is required."""

    next: Pin
    recall: Pin | None = None
    no_show: Pin | None = None
    finish: Pin | None = None
    pause: Pin | None = Field(
        default=None, description="Press: pause or resume. Hold: sign the officer out (or in)."
    )
    transfer: list[TransferButton] = Field(default_factory=list)


class Leds(_Strict):
    online: Pin | None = None
    calling: Pin | None = None
    paused: Pin | None = None
    error: Pin | None = None


class RatingPanel(_Strict):
    """The citizens' IKM panel: four buttons, and an optional LED that thanks them."""

    sangat_puas: Pin
    puas: Pin
    kurang_puas: Pin
    tidak_puas: Pin
    thanks_led: Pin | None = None


class CounterPanelConfig(_Strict):
    id: str = Field(pattern=IDENT, max_length=48, description="Counter id in the catalogue.")
    officer: str | None = Field(
        default=None,
        pattern=IDENT,
        max_length=48,
        description="Signed in when the node starts and central shows nobody at the counter.",
    )
    buttons: Buttons
    leds: Leds = Field(default_factory=Leds)
    rating: RatingPanel | None = None


class ScreenConfig(_Strict):
    """The small screen above the counter(s); several counters share it side by side."""

    mode: Literal["none", "window", "fullscreen"] = "none"
    width: int = Field(default=800, ge=160, le=7680)
    height: int = Field(default=480, ge=120, le=4320)
    counters: list[str] = Field(
        default_factory=list, description="Counters shown, left to right; empty means all."
    )
    font: Path | None = Field(default=None, description="TTF file; pygame's default if unset.")


class CallerConfig(NodeConfig):
    pins: Literal["gpio", "mock"] = Field(
        default="gpio",
        description="gpio: real pins (gpiozero picks lgpio/RPi.GPIO). mock: gpiozero's "
        "MockFactory, for the simulator and demo; tests also get it from GPIOZERO_PIN_FACTORY.",
    )
    request_timeout_s: float = Field(default=1.5, gt=0, le=10)
    bounce_s: float = Field(default=0.05, ge=0, le=1)
    hold_s: float = Field(default=2.0, gt=0, le=10, description="How long a hold gesture takes.")
    double_press_s: float = Field(
        default=0.8,
        ge=0,
        le=5,
        description="A second press of the same button within this time is ignored.",
    )
    rating_window_s: float = Field(
        default=180, gt=0, le=3600, description="How long after service a rating is accepted."
    )
    screen: ScreenConfig = Field(default_factory=ScreenConfig)
    counters: list[CounterPanelConfig] = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> CallerConfig:
        ids = [c.id for c in self.counters]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"counter listed twice: {', '.join(dupes)}")
        unknown = [c for c in self.screen.counters if c not in ids]
        if unknown:
            raise ValueError(f"screen.counters names counters not in `counters`: {unknown}")
        seen: dict[str, str] = {}
        for c in self.counters:
            for where, pin in _pins(c):
                key = str(pin).upper().removeprefix("GPIO").removeprefix("BCM")
                if key in seen:
                    raise ValueError(f"pin {pin} used twice: {seen[key]} and {where}")
                seen[key] = where
        return self

    def counter(self, counter_id: str) -> CounterPanelConfig | None:
        return next((c for c in self.counters if c.id == counter_id), None)


def _pins(c: CounterPanelConfig) -> list[tuple[str, Pin]]:
    out: list[tuple[str, Pin]] = []
    b = c.buttons
    for name in ("next", "recall", "no_show", "finish", "pause"):
        pin = getattr(b, name)
        if pin is not None:
            out.append((f"{c.id}.buttons.{name}", pin))
    out += [(f"{c.id}.buttons.transfer[{t.to_queue}]", t.pin) for t in b.transfer]
    for name in ("online", "calling", "paused", "error"):
        pin = getattr(c.leds, name)
        if pin is not None:
            out.append((f"{c.id}.leds.{name}", pin))
    if c.rating is not None:
        r = c.rating
        for name in ("sangat_puas", "puas", "kurang_puas", "tidak_puas", "thanks_led"):
            pin = getattr(r, name)
            if pin is not None:
                out.append((f"{c.id}.rating.{name}", pin))
    return out


def load_config(path: Path | str) -> CallerConfig:
    """Load and validate; relative paths (state_dir, font) are relative to the file."""
    path = Path(path)
    cfg = load_yaml(path, CallerConfig)
    update: dict[str, object] = {"state_dir": resolve(path, cfg.state_dir)}
    if cfg.screen.font is not None:
        update["screen"] = cfg.screen.model_copy(update={"font": resolve(path, cfg.screen.font)})
    return cfg.model_copy(update=update)
