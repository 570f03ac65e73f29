"""Loading YAML configs through pydantic models, with errors that name the file, field and fix."""

from __future__ import annotations

from pathlib import Path
from typing import Literal, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from antrian.mqtt import BrokerSettings

T = TypeVar("T", bound=BaseModel)

Language = Literal["id", "en"]


class ConfigError(ValueError):
    """An invalid config file; str() is a message for the technician."""


class NodeConfig(BaseModel):
    """Fields every node's config shares."""

    model_config = ConfigDict(extra="forbid")

    node_id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$", max_length=48)
    site: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$", max_length=48)
    broker: BrokerSettings = Field(default_factory=BrokerSettings)
    state_dir: Path = Field(description="Where the node keeps its session counter and outbox.")
    language: Language = "id"


def load_yaml(path: Path | str, model: type[T]) -> T:
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: file not found; check the --config path") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from None
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: expected a mapping of settings at the top level")
    return validate(raw, model, path)


def validate(raw: dict[str, object], model: type[T], path: Path | str) -> T:
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        lines = [f"{path}: invalid {model.__name__}:"]
        for err in exc.errors():
            where = ".".join(str(p) for p in err["loc"]) or "(top level)"
            hint = ""
            if err["type"] == "extra_forbidden":
                hint = " (unknown setting: remove it or check its spelling)"
            elif err["type"] == "missing":
                hint = " (required: add it)"
            lines.append(f"  {where}: {err['msg']}{hint}")
        raise ConfigError("\n".join(lines)) from None


def resolve(base: Path, p: Path) -> Path:
    """Paths in a config are relative to the config file's folder."""
    return p if p.is_absolute() else (base.parent / p).resolve()
