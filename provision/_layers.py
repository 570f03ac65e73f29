"""Config layers read from YAML and deep-merged, remembering which file set each key."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

from .problems import ConfigInvalid, Problem


def read_yaml(path: Path) -> dict[str, Any]:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigInvalid([Problem(path, "", "file not found", "check the path")]) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" (line {mark.line + 1})" if mark is not None else ""
        raise ConfigInvalid(
            [Problem(path, "", f"not valid YAML{line}: {exc}", "fix the YAML syntax")]
        ) from None
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise ConfigInvalid(
            [Problem(path, "", "expected a mapping of settings", "write `key: value` lines")]
        )
    return raw


def substitute(value: Any, names: dict[str, str]) -> Any:
    if isinstance(value, str):
        for k, v in names.items():
            value = value.replace("{" + k + "}", v)
        return value
    if isinstance(value, dict):
        return {k: substitute(v, names) for k, v in value.items()}
    if isinstance(value, list):
        return [substitute(v, names) for v in value]
    return value


def merge(
    into: dict[str, Any],
    layer: dict[str, Any],
    origin: dict[tuple[str, ...], Path],
    source: Path,
    prefix: tuple[str, ...] = (),
) -> None:
    """Deep-merge mappings; a list or scalar in a later layer replaces the earlier one."""
    for key, value in layer.items():
        path = (*prefix, str(key))
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            origin[path] = source
            merge(into[key], value, origin, source, path)
        else:
            into[key] = copy.deepcopy(value)
            for old in [p for p in origin if p[: len(path)] == path]:
                del origin[old]
            origin[path] = source
            if isinstance(value, dict):
                mark(value, origin, source, path)


def mark(
    value: dict[str, Any],
    origin: dict[tuple[str, ...], Path],
    source: Path,
    prefix: tuple[str, ...],
) -> None:
    for key, sub in value.items():
        origin[(*prefix, str(key))] = source
        if isinstance(sub, dict):
            mark(sub, origin, source, (*prefix, str(key)))
