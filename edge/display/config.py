"""The display node's config file: mode, screen, running text and voice."""

from __future__ import annotations

from datetime import time
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from antrian.config import NodeConfig

TIMEZONES = {"WIB": "Asia/Jakarta", "WITA": "Asia/Makassar", "WIT": "Asia/Jayapura"}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Screen(_Strict):
    width: int = Field(default=1920, ge=0, le=7680, description="0 with height 0: the TV's size.")
    height: int = Field(default=1080, ge=0, le=4320)
    fullscreen: bool = True
    ticker_fps: int = Field(
        default=30, ge=0, le=60, description="Running text speed in frames; 0 shows it still."
    )
    ticker_px_per_s: int = Field(default=120, ge=10, le=2000)
    font: Path | None = Field(default=None, description="A TTF font; pygame's own by default.")


class QuietHours(_Strict):
    """Between start and end (may cross midnight) calls play at `volume`; 0 is silent."""

    start: time
    end: time
    volume: float = Field(default=0.0, ge=0.0, le=1.0)

    def covers(self, t: time) -> bool:
        if self.start <= self.end:
            return self.start <= t < self.end
        return t >= self.start or t < self.end


class Voice(_Strict):
    enabled: bool = True
    clips: Path = Field(
        default=Path("../../var/voice"),
        description="Clip set folder (docs/voice.md); relative to this file.",
    )
    build_if_missing: bool = Field(
        default=True, description="Generate the default set with espeak-ng on first start."
    )
    english: bool = Field(default=False, description="Repeat each call in English.")
    volume: float = Field(default=0.9, ge=0.0, le=1.0)
    quiet_hours: list[QuietHours] = Field(default_factory=list)
    max_age_s: float = Field(
        default=30.0,
        gt=0,
        description="Older calls (e.g. after an outage or a restart) are shown, not spoken.",
    )
    gap_ms: int = Field(
        default=60,
        ge=0,
        le=1000,
        description="Silence between words ('antrian a', not 'antriana').",
    )
    comma_ms: int = Field(
        default=350, ge=0, le=2000, description="Silence at the comma before 'silakan menuju'."
    )
    counter_words: dict[str, str] = Field(
        default_factory=dict,
        description="Counter id -> how to speak its name, e.g. 'loket dukcapil 2'.",
    )
    frequency: int = Field(default=44100, ge=8000, le=96000)
    buffer: int = Field(default=512, ge=128, le=8192, description="Mixer buffer in frames.")

    def volume_at(self, t: time) -> float:
        for q in self.quiet_hours:
            if q.covers(t):
                return q.volume
        return self.volume


class DisplayConfig(NodeConfig):
    mode: Literal["hall", "counter"] = "hall"
    counter: str | None = Field(default=None, description="The counter a counter board shows.")
    hall_name: str | None = Field(default=None, description="Overrides central's hall name.")
    running_text: str = Field(default="", max_length=2000)
    timezone: Literal["WIB", "WITA", "WIT"] = "WIB"
    blink_s: float = Field(default=8.0, ge=0, le=120, description="How long a new call blinks.")
    counters: list[str] | None = Field(
        default=None,
        description="A zone board (one floor or cluster): the counters it shows and whose "
        "calls it shows and speaks. None: every counter.",
    )
    queues: list[str] | None = Field(
        default=None, description="A zone board: the queues it shows. None: every queue."
    )
    screen: Screen = Field(default_factory=Screen)
    voice: Voice = Field(default_factory=Voice)

    @model_validator(mode="after")
    def _counter_mode_needs_counter(self) -> DisplayConfig:
        if self.mode == "counter" and not self.counter:
            raise ValueError("mode 'counter' needs `counter:` (the counter id, e.g. loket-3)")
        return self
