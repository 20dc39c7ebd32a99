"""docs/FRONTIER_TASKS.md stays true: its Python blocks run in order, in one namespace."""

from __future__ import annotations

import re
from pathlib import Path

GUIDE = Path(__file__).resolve().parents[3] / "docs" / "FRONTIER_TASKS.md"
BLOCK = re.compile(r"^```python\n(.*?)^```$", re.MULTILINE | re.DOTALL)


def test_frontier_guide_blocks_run_and_their_assertions_hold():
    blocks = BLOCK.findall(GUIDE.read_text(encoding="utf-8"))
    assert len(blocks) == 3
    namespace: dict = {"__name__": "frontier_guide"}
    for number, source in enumerate(blocks, start=1):
        exec(compile(source, f"{GUIDE.name} block {number}", "exec"), namespace)  # noqa: S102 - our docs
