"""What the end-to-end track accepts: the kernel track's JSON configs, Sparse-vDiT plans per (step, layer)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from evaluator.contract import Problem
from kernels.method_config import ConfigError

from ..vdit.model import WorkloadModel
from ..vdit.submission import VditSubmission, block_problems, config_parse
from .plan import e2e_plan_modes
from .search import SearchRequest, search_request_parse

CODE_REASON = (
    "code submissions are scored on the kernel-level track (benchmark vdit) only: the end-to-end track"
    " would call the sandbox at every sampling step and layer; submit a JSON method config here"
)


def _plan_parse(
    config: Mapping, *, shape: WorkloadModel, steps: int
) -> tuple[VditSubmission | None, list[Problem]]:
    """A Sparse-vDiT config whose "plan" gives the head modes of every (step, layer) call."""
    submission, problems = config_parse(config={k: v for k, v in config.items() if k != "plan"}, model=shape)
    if submission is None:
        return None, problems
    try:
        if submission.name != "sparse_vdit":
            raise ConfigError("plan", "only Sparse-vDiT takes a plan")
        if {"mode", "head_modes"} & set(submission.method.settings):
            raise ConfigError("plan", "give the modes in the plan or in params, not both")
        modes = e2e_plan_modes(config["plan"], steps=steps, layers=shape.layers, heads=shape.heads)
    except ConfigError as exc:
        return None, [Problem(f"config.{exc.field}", str(exc).split(": ", 1)[-1])]
    return dataclasses.replace(submission, call_modes=modes), []


def _search_parse(config: Mapping, *, shape: WorkloadModel) -> tuple[VditSubmission | None, list[Problem]]:
    """A Sparse-vDiT config whose "search" asks the scorer for its plan (searched on the calibration
    videos): the request checked, the config without it parsed."""
    try:
        if "plan" in config:
            raise ConfigError("search", "give a plan or a search, not both")
        search_request_parse(config["search"])
    except ConfigError as exc:
        return None, [Problem(f"config.{exc.field}", str(exc).split(": ", 1)[-1])]
    rest = {key: value for key, value in config.items() if key != "search"}
    submission, problems = config_parse(config=rest, model=shape)
    if submission is None:
        return None, problems
    if submission.name != "sparse_vdit":
        return None, [Problem("config.search", "only Sparse-vDiT searches its plan")]
    if {"mode", "head_modes"} & set(submission.method.settings):
        return None, [Problem("config.search", "the search picks the modes: leave mode and head_modes out")]
    return submission, []


def search_request(config: Any) -> SearchRequest | None:
    """The search a (valid) config asks for, or None."""
    if isinstance(config, Mapping) and "search" in config:
        return search_request_parse(config["search"])
    return None


def e2e_config_parse(
    *, config: Any, layers: int, heads: int, steps: int
) -> tuple[VditSubmission | None, list[Problem]]:
    """The parsed config (the kernel track's rules, the DiT's heads; a plan per step, or a search the
    scorer runs), or None with every problem."""
    shape = WorkloadModel(patterns=(("full",) * heads,) * layers, temperatures=(1.0,) * layers)
    if isinstance(config, Mapping) and "search" in config:
        return _search_parse(config, shape=shape)
    if isinstance(config, Mapping) and "plan" in config:
        return _plan_parse(config, shape=shape, steps=steps)
    return config_parse(config=config, model=shape)


def e2e_problems(
    *, config: Any, file_name: str | None, layers: int, heads: int, tokens: int, steps: int
) -> tuple[VditSubmission | None, list[Problem]]:
    """The submission or its problems: a file is refused, a config parsed and its blocks checked."""
    if file_name is not None:
        return None, [Problem(file_name, CODE_REASON)]
    submission, problems = e2e_config_parse(config=config, layers=layers, heads=heads, steps=steps)
    if submission is not None:
        problems = block_problems(submission=submission, tokens=(tokens,))
        if problems:
            return None, problems
    return submission, problems
