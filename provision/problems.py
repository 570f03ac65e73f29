"""What is wrong with a site's config files, said so that a technician can fix it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a config file, said so that a technician can fix it."""

    file: Path
    field: str
    message: str
    fix: str
    # The devices whose config this breaks, when the file is one they share (site.yaml, a
    # role file, the catalogue): the same line would otherwise repeat once per device.
    devices: tuple[str, ...] = ()

    def __str__(self) -> str:
        where = f"{self.file}: {self.field}" if self.field else str(self.file)
        devices = f"\n    devices: {', '.join(self.devices)}" if self.devices else ""
        return f"{where}: {self.message}{devices}\n    fix: {self.fix}"


class ConfigInvalid(ValueError):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems
