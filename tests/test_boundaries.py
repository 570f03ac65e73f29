"""Package boundaries: what each device runs imports only what it needs, with no cycles.

Read from the source (every import, also those inside functions), so that an import that
crosses a boundary fails here rather than on a Pi that lacks the other package.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

from antrian.devbroker import REPO_ROOT

PACKAGES = ("protocol", "antrian", "central", "edge", "provision", "reports", "sim", "hall",
            "bench", "web")  # fmt: skip
NODES = ("central", "edge.kiosk", "edge.caller", "edge.display", "web")
TOOLS = ("provision", "reports", "sim", "hall", "bench")
# A start-up that wires a port may import what its package must not; it says why there.
WIRING = {("central.cli", "provision.delivery")}


@dataclass(frozen=True)
class Import:
    module: str  # the importing module, e.g. edge.kiosk.node
    target: str  # the imported module, e.g. provision.delivery
    line: int
    nested: bool  # inside a function
    explained: bool  # a comment on its line or above it (or above its block of imports)


def _explained(lines: list[str], lineno: int) -> bool:
    if "#" in lines[lineno - 1]:
        return True
    row = lineno - 1  # index of the line above
    while row > 0:
        above = lines[row - 1].strip()
        if above.startswith(("import ", "from ", ")")) or not above:
            row -= 1  # the comment above a block of imports explains the block
            continue
        return above.startswith("#")
    return False


def imports_of(source: str, module: str, is_package: bool = False) -> list[Import]:
    lines = source.splitlines()
    tree = ast.parse(source)
    package = module if is_package else module.rpartition(".")[0]
    nested: set[int] = set()
    for fn in ast.walk(tree):
        if isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef):
            nested |= {id(n) for n in ast.walk(fn) if isinstance(n, ast.Import | ast.ImportFrom)}
    found: list[Import] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                anchor = parts[: len(parts) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            targets = [base]
        else:
            continue
        explained = _explained(lines, node.lineno)
        found += [Import(module, t, node.lineno, id(node) in nested, explained) for t in targets]
    return found


def _all_imports() -> list[Import]:
    out: list[Import] = []
    for package in PACKAGES:
        for path in sorted((REPO_ROOT / package).rglob("*.py")):
            parts = list(path.relative_to(REPO_ROOT).with_suffix("").parts)
            is_package = parts[-1] == "__init__"
            module = ".".join(parts[:-1] if is_package else parts)
            out += imports_of(path.read_text(encoding="utf-8"), module, is_package)
    return out


ALL = _all_imports()


def _within(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


def crossings(imports: list[Import], source: str, forbidden: tuple[str, ...]) -> list[str]:
    return [
        f"{i.module}:{i.line} imports {i.target}"
        for i in imports
        if _within(i.module, source)
        and any(_within(i.target, f) for f in forbidden)
        and (i.module, i.target) not in WIRING
    ]


def unexplained(imports: list[Import]) -> list[str]:
    return [f"{i.module}:{i.line} imports {i.target} in a function" for i in imports
            if i.nested and not i.explained]  # fmt: skip


def test_protocol_imports_no_implementation() -> None:
    assert crossings(ALL, "protocol", tuple(p for p in PACKAGES if p != "protocol")) == []


def test_the_runtime_imports_no_node_and_no_tool() -> None:
    others = tuple(p for p in PACKAGES if p not in ("antrian", "protocol"))
    assert crossings(ALL, "antrian", others) == []


@pytest.mark.parametrize("node", NODES)
def test_nodes_never_import_each_other_or_the_tools(node: str) -> None:
    forbidden = (*(n for n in NODES if n != node), *TOOLS)
    assert crossings(ALL, node, forbidden) == []


def test_central_never_imports_edge() -> None:
    assert crossings(ALL, "central", ("edge",)) == []


def test_the_shared_screen_imports_no_node() -> None:
    assert crossings(ALL, "edge.screen", NODES) == []


def test_imports_sit_at_the_top_unless_a_comment_says_why() -> None:
    assert unexplained(ALL) == []


def test_a_crossing_and_an_unexplained_import_are_seen(tmp_path: Path) -> None:
    source = (
        "from . import config\n"
        "def follow():\n"
        "    from provision.delivery import device_configs\n"
        "def draw():\n"
        "    # pygame only with a screen\n"
        "    import pygame\n"
    )
    found = imports_of(source, "edge.kiosk.node")
    assert [i.target for i in found] == ["edge.kiosk", "provision.delivery", "pygame"]
    assert crossings(found, "edge.kiosk", TOOLS) == ["edge.kiosk.node:3 imports provision.delivery"]
    assert unexplained(found) == ["edge.kiosk.node:3 imports provision.delivery in a function"]


def test_escpos_stays_in_its_adapter() -> None:
    """The kiosk's logic hands the printer port layout elements; only the adapter (and the
    tools that decode or preview its bytes) speak ESC/POS."""
    users = {i.module for i in ALL if _within(i.target, "escpos")}
    assert users <= {"edge.kiosk._escpos"}
    adapter = {
        i.module for i in ALL if i.target == "edge.kiosk._escpos" and i.module != "edge.kiosk"
    }
    assert {m for m in adapter if _within(m, "edge.kiosk")} <= {"edge.kiosk.cli"}
