"""Generates the reference part of docs/protocol.md from the models: `make docs`."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from pydantic import BaseModel, TypeAdapter

from protocol import messages as m
from protocol.topics import PAYLOADS, ROOT, SPECS

BEGIN = "<!-- BEGIN GENERATED: python -m protocol.docs --write docs/protocol.md -->"
END = "<!-- END GENERATED -->"

REQUESTS: tuple[type[BaseModel], ...] = (
    m.IssueTicket,
    m.CallNext,
    m.Recall,
    m.NoShow,
    m.StartService,
    m.FinishService,
    m.Transfer,
    m.PauseCounter,
    m.ResumeCounter,
    m.SignIn,
    m.SignOut,
    m.RateService,
    m.LeaseBlock,
    m.ReplayTicket,
)
OTHERS: tuple[type[BaseModel], ...] = (
    m.Reply,
    m.Refusal,
    m.TicketInfo,
    m.LeaseInfo,
    m.CounterInfo,
    m.OfflineTicket,
    m.Event,
    m.CounterSnapshot,
    m.QueueSnapshot,
    m.HallSnapshot,
    m.NodeStatus,
    m.FleetEntry,
    m.FleetSnapshot,
)


def _type_of(prop: dict[str, Any]) -> str:
    if "$ref" in prop:
        return str(prop["$ref"]).rsplit("/", 1)[-1]
    if "const" in prop:
        return f"`{json.dumps(prop['const'])}`"
    if "enum" in prop:
        return " \\| ".join(f"`{v}`" for v in prop["enum"])
    if "anyOf" in prop:
        return " or ".join(_type_of(p) for p in prop["anyOf"])
    t = prop.get("type", "any")
    if t == "array":
        return f"list of {_type_of(prop.get('items', {}))}"
    fmt = prop.get("format")
    return f"{t} ({fmt})" if fmt else str(t)


def _fields(model: type[BaseModel]) -> list[str]:
    schema = model.model_json_schema()
    required = set(schema.get("required", []))
    rows = ["| field | type | required | notes |", "| --- | --- | --- | --- |"]
    for name, prop in schema["properties"].items():
        notes = prop.get("description", "").replace("\n", " ")
        limits = [
            f"{k}={prop[k]}"
            for k in ("minLength", "maxLength", "minimum", "maximum", "pattern")
            if k in prop
        ]
        if limits:
            notes = (notes + " " if notes else "") + f"({', '.join(limits)})"
        req = "yes" if name in required else "no"
        rows.append(f"| `{name}` | {_type_of(prop)} | {req} | {notes} |")
    return rows


def generate() -> str:
    out: list[str] = [BEGIN, "", "## Topics", ""]
    out.append(f"Every topic starts with `{ROOT}/{{site}}/`.")
    out.append("")
    out.append("| topic | publisher | subscribers | retained | QoS | expiry | payload | purpose |")
    out.append("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for s in SPECS:
        expiry = f"{s.expiry_s} s" if s.expiry_s else "-"
        out.append(
            f"| `{s.pattern}` | {s.publisher} | {s.subscribers} | "
            f"{'yes' if s.retained else 'no'} | {s.qos} | {expiry} | {s.payload} | {s.purpose} |"
        )
    out += [
        "",
        "## Requests",
        "",
        "Published on `request/{node_id}`; the `type` field selects the message.",
        "",
    ]
    for model in REQUESTS:
        out += [f"### {model.__name__}", "", (model.__doc__ or "").strip(), ""]
        out += _fields(model)
        out.append("")
    out += ["## Other messages", ""]
    for model in OTHERS:
        out += [f"### {model.__name__}", "", (model.__doc__ or "").strip(), ""]
        out += _fields(model)
        out.append("")
    out += [
        "## JSON Schemas",
        "",
        "One schema per payload named in the topic table, generated from the models.",
        "",
    ]
    for name, payload in PAYLOADS.items():
        schema = TypeAdapter(payload).json_schema()
        out += [
            f"### {name}",
            "",
            "```json",
            json.dumps(schema, indent=2, sort_keys=True),
            "```",
            "",
        ]
    out.append(END)
    return "\n".join(line.rstrip() for line in out) + "\n"


def splice(document: str, generated: str) -> str:
    if BEGIN not in document or END not in document:
        raise ValueError("docs/protocol.md lacks the generated-section markers")
    head = document[: document.index(BEGIN)]
    tail = document[document.index(END) + len(END) + 1 :]
    return head + generated + tail


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--write", type=Path, help="update the generated part of this file")
    args = parser.parse_args(argv)
    if args.write:
        doc = args.write.read_text(encoding="utf-8")
        args.write.write_text(splice(doc, generate()), encoding="utf-8")
    else:
        sys.stdout.write(generate())
    return 0


if __name__ == "__main__":
    sys.exit(main())
