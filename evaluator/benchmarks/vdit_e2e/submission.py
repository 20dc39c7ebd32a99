"""What the end-to-end track accepts: the kernel track's JSON configs without a per-step plan."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from evaluator.contract import Problem

from ..vdit.model import WorkloadModel
from ..vdit.submission import VditSubmission, block_problems, config_parse

CODE_REASON = (
    "code submissions are scored on the kernel-level track (benchmark vdit) only: the end-to-end track"
    " would call the sandbox at every sampling step and layer; submit a JSON method config here"
)

PLAN_REASON = (
    "a Sparse-vDiT plan is not accepted on the end-to-end track; give params.mode or params.head_modes"
    " (one mode per head, used at every step and layer)"
)


def e2e_config_parse(*, config: Any, layers: int, heads: int) -> tuple[VditSubmission | None, list[Problem]]:
    """The parsed config (the kernel track's rules, the DiT's heads), or None with every problem."""
    if isinstance(config, Mapping) and "plan" in config:
        return None, [Problem("config.plan", PLAN_REASON)]
    shape = WorkloadModel(patterns=(("full",) * heads,) * layers, temperatures=(1.0,) * layers)
    return config_parse(config=config, model=shape)


def e2e_problems(
    *, config: Any, file_name: str | None, layers: int, heads: int, tokens: int
) -> tuple[VditSubmission | None, list[Problem]]:
    """The submission or its problems: a file is refused, a config parsed and its blocks checked."""
    if file_name is not None:
        return None, [Problem(file_name, CODE_REASON)]
    submission, problems = e2e_config_parse(config=config, layers=layers, heads=heads)
    if submission is not None:
        problems = block_problems(submission=submission, tokens=(tokens,))
        if problems:
            return None, problems
    return submission, problems
