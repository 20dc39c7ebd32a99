"""A frontier submission: dense, a long-context method config (kernels/method_config.py), or code."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from evaluator.attention_configs import DENSE, config_method
from evaluator.contract import Problem
from evaluator.sandbox.session import code_upload_parse
from evaluator.sandbox.upload import ANSWERS, SubmissionFiles, answer_declared
from kernels.method_config import ConfigError, MethodConfig, method_config_parse

#: The kernels' long-context methods: prefill layouts, Quest's decode pages, KV eviction.
PREFILL_METHODS = ("vertical_slash", "flexprefill", "block_topk")
DECODE_METHODS = ("quest", "snapkv", "ada_snapkv")
FRONTIER_METHODS = (*PREFILL_METHODS, *DECODE_METHODS)
#: Prompts are padded at the end to a multiple of this; a layout's block size must divide it.
PAD_MULTIPLE = 128
#: The block sizes a prefill layout may use: divisors of PAD_MULTIPLE, none so small that the layout of
#: a 128k-token prompt outgrows a worker's memory.
BLOCK_SIZES = (16, 32, 64, 128)
#: The block size of a code submission's answer (query and key blocks; a divisor of PAD_MULTIPLE).
CODE_BLOCK = (64, 64)


@dataclass(frozen=True)
class FrontierSubmission:
    """What a submission asks for: dense attention (both None), one method config, or the submitter's
    selection code: a prefill layout per attention call of the prompt (``answer`` "layout"), or the
    cache positions each KV head keeps after the prompt, decoding over them (``answer`` "eviction")."""

    method: MethodConfig | None
    code: SubmissionFiles | None = None
    answer: str = "layout"

    @property
    def name(self) -> str:
        """The method's name ("dense" for dense attention, "code" for submitted code)."""
        if self.code is not None:
            return "code"
        return DENSE if self.method is None else self.method.method

    @property
    def phase_kind(self) -> str:
        """Where the method acts: "dense", "prefill" or "decode"."""
        if self.code is not None:
            return "prefill" if self.answer == "layout" else "decode"
        if self.method is None:
            return DENSE
        return "prefill" if self.method.method in PREFILL_METHODS else "decode"


def submission_parse(*, config: Any) -> tuple[FrontierSubmission | None, list[Problem]]:
    """The parsed submission, or None with every problem named by its config field."""
    method, problems = config_method(config=config)
    if problems:
        return None, problems
    if method == DENSE:
        return FrontierSubmission(method=None), []
    if method is not None and method not in FRONTIER_METHODS:
        known = ", ".join((DENSE, *FRONTIER_METHODS))
        message = f"{method} is not a long-context method; use one of {known}"
        return None, [Problem("config.method", message)]
    try:
        parsed = method_config_parse(config)
    except ConfigError as exc:
        return None, [Problem(f"config.{exc.field}", str(exc).split(": ", 1)[-1])]
    block = parsed.settings.get("block_size")
    if block is not None and block not in BLOCK_SIZES:
        sizes = ", ".join(map(str, BLOCK_SIZES))
        return None, [Problem("config.params.block_size", f"must be one of {sizes} (got {block})")]
    return FrontierSubmission(method=parsed), []


def code_parse(*, path: Path) -> tuple[FrontierSubmission | None, list[Problem]]:
    """The checked files of a code submission and the answer they declare (a layout or an eviction), or
    None with its problems (bubblewrap missing included)."""
    files, problems = code_upload_parse(path=path, answers=ANSWERS)
    if files is None:
        return None, problems
    return FrontierSubmission(method=None, code=files, answer=answer_declared(files)), problems
