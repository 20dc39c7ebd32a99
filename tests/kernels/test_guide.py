"""docs/KERNELS.md stays true: its Python blocks run in order, in one namespace, with their assertions."""

from __future__ import annotations

import re
from pathlib import Path

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "KERNELS.md"
BLOCK = re.compile(r"^```python\n(.*?)^```$", re.MULTILINE | re.DOTALL)


def guide_blocks() -> list[str]:
    """The guide's Python code blocks, in order."""
    return BLOCK.findall(GUIDE.read_text(encoding="utf-8"))


def test_guide_has_a_block_for_every_section():
    assert len(guide_blocks()) >= 6


def test_guide_blocks_run_and_their_assertions_hold(capsys):
    namespace: dict = {"__name__": "kernels_guide"}
    for number, source in enumerate(guide_blocks(), start=1):
        code = compile(source, f"{GUIDE.name} block {number}", "exec")
        exec(code, namespace)  # noqa: S102 - our own documentation, not user input
    printed = capsys.readouterr().out
    for name in ("vdit-diagonal", "psa", "asa", "modes:"):
        assert name in printed
