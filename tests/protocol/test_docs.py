"""docs/protocol.md must match the models; every refusal has texts and is documented."""

from __future__ import annotations

import typing

from antrian.devbroker import REPO_ROOT
from protocol import messages as m
from protocol.docs import generate, splice
from protocol.refusals import TEXTS

DOC = REPO_ROOT / "docs" / "protocol.md"


def test_generated_reference_is_current() -> None:
    text = DOC.read_text(encoding="utf-8")
    assert splice(text, generate()) == text, "run `make docs` and commit docs/protocol.md"


def test_every_refusal_code_has_texts_and_a_doc_row() -> None:
    codes = set(typing.get_args(m.RefusalCode))
    assert codes == set(TEXTS)
    text = DOC.read_text(encoding="utf-8")
    for code in codes:
        assert f"| `{code}` |" in text
