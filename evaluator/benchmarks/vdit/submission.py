"""A vdit submission: dense, a video method config (with a Sparse-vDiT plan), or the submitter's code."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from evaluator.attention_configs import DENSE, config_method
from evaluator.contract import Problem
from evaluator.sandbox.session import code_upload_parse
from evaluator.sandbox.upload import SubmissionFiles
from kernels.method_config import ConfigError, MethodConfig, method_config_parse
from kernels.methods.vdit import MODES

from .model import WorkloadModel

BLOCK_FIELDS = ("block_size", "key_block_size")
MIN_BLOCK = 16
VIDEO_METHODS = ("sparse_vdit", "psa", "blade_asa", "svg", "window_3d")


@dataclass(frozen=True)
class VditSubmission:
    """Dense attention (all None), a method config (with Sparse-vDiT's head modes per layer, or per
    (step, layer) on the end-to-end track), or code."""

    method: MethodConfig | None = None
    layer_modes: tuple[tuple[str, ...], ...] | None = None
    code: SubmissionFiles | None = None
    call_modes: Mapping[tuple[int, int], tuple[str, ...]] | None = None

    @property
    def name(self) -> str:
        """What runs: "dense", the method's name, or "code"."""
        if self.code is not None:
            return "code"
        return DENSE if self.method is None else self.method.method

    def layer_config(self, layer: int) -> MethodConfig | None:
        """The method config of one layer's call (a plan's head modes for that layer where there is one)."""
        if self.method is None or self.layer_modes is None:
            return self.method
        settings = {**self.method.settings, "head_modes": self.layer_modes[layer]}
        return dataclasses.replace(self.method, settings=settings)

    def call_config(self, *, step: int, layer: int) -> MethodConfig | None:
        """The method config of one (step, layer) call (a per-step plan's head modes where there is one)."""
        if self.method is None or self.call_modes is None:
            return self.layer_config(layer)
        settings = {**self.method.settings, "head_modes": self.call_modes[(step, layer)]}
        return dataclasses.replace(self.method, settings=settings)


def _plan_modes(plan: Any, *, model: WorkloadModel) -> tuple[tuple[str, ...], ...]:
    """Per layer, the head modes of a Sparse-vDiT plan; ConfigError naming the field that does not fit."""
    if not isinstance(plan, Mapping) or set(plan) != {"calls"} or not isinstance(plan["calls"], list):
        raise ConfigError("plan", 'must be {"calls": [{"step": 0, "layer": l, "modes": [...]}, ...]}')
    found: dict[int, tuple[str, ...]] = {}
    for index, call in enumerate(plan["calls"]):
        where = f"plan.calls[{index}]"
        if not isinstance(call, Mapping) or set(call) != {"step", "layer", "modes"}:
            raise ConfigError(where, 'must hold exactly "step", "layer" and "modes"')
        if call["step"] != 0:
            raise ConfigError(
                f"{where}.step",
                f"the kernel-level track has one call per layer: step 0, got {call['step']!r}",
            )
        layer = call["layer"]
        if isinstance(layer, bool) or not isinstance(layer, int) or not 0 <= layer < model.layers:
            raise ConfigError(f"{where}.layer", f"must be an integer in [0, {model.layers}), got {layer!r}")
        if layer in found:
            raise ConfigError(f"{where}.layer", f"layer {layer} appears twice")
        modes = call["modes"]
        if not isinstance(modes, list) or len(modes) != model.heads:
            raise ConfigError(f"{where}.modes", f"must list {model.heads} modes (one per head)")
        for head, mode in enumerate(modes):
            if mode not in MODES:
                raise ConfigError(f"{where}.modes[{head}]", f"must be one of {list(MODES)}, got {mode!r}")
        found[layer] = tuple(modes)
    missing = sorted(set(range(model.layers)) - set(found))
    if missing:
        raise ConfigError("plan.calls", f"no modes for layers {missing}: the plan covers every layer")
    return tuple(found[layer] for layer in range(model.layers))


def config_parse(*, config: Any, model: WorkloadModel) -> tuple[VditSubmission | None, list[Problem]]:
    """The parsed config, or None with every problem named by its field."""
    method, problems = config_method(config=config)
    if problems:
        return None, problems
    if method == DENSE:
        return VditSubmission(), []
    if method not in VIDEO_METHODS:
        known = ", ".join((DENSE, *VIDEO_METHODS))
        return None, [Problem("config.method", f"{method} is not a video method; use one of {known}")]
    rest = {key: value for key, value in config.items() if key != "plan"}
    try:
        if "target_sparsity" in config:
            raise ConfigError("target_sparsity", "the video methods set their own density; leave it out")
        parsed = method_config_parse(rest)
        modes = None
        if "plan" in config:
            if method != "sparse_vdit":
                raise ConfigError("plan", "only Sparse-vDiT takes a plan")
            if "head_modes" in parsed.settings or "mode" in parsed.settings:
                raise ConfigError("plan", "give the modes in the plan or in params, not both")
            modes = _plan_modes(config["plan"], model=model)
        elif (
            parsed.settings.get("head_modes") is not None
            and len(parsed.settings["head_modes"]) != model.heads
        ):
            raise ConfigError(
                "params.head_modes", f"must list {model.heads} modes (one per head of every layer)"
            )
    except ConfigError as exc:
        return None, [Problem(f"config.{exc.field}", str(exc).split(": ", 1)[-1])]
    return VditSubmission(method=parsed, layer_modes=modes), []


def block_problems(*, submission: VditSubmission, tokens: tuple[int, ...]) -> list[Problem]:
    """Block sizes below MIN_BLOCK or not dividing every token count of the phase, named by field."""
    if submission.method is None:
        return []
    defaults = {f.name: f.default for f in dataclasses.fields(submission.method.params_class)}
    problems = []
    for name in BLOCK_FIELDS:
        value = submission.method.settings.get(name, defaults.get(name))
        if value is None:
            continue
        if value < MIN_BLOCK or any(n % value for n in tokens):
            problems.append(Problem(f"config.params.{name}", f"must be at least {MIN_BLOCK} and divide the"
                                    f" phase's token counts {list(tokens)}, got {value}"))  # fmt: skip
    return problems


def window_problems(*, submission: VditSubmission, frames: tuple[int, ...], grid: tuple[int, int],
                    text_tokens: int) -> list[Problem]:  # fmt: skip
    """A 3-D window's tile must tile every video of the phase (frames x grid) and the text tokens."""
    if submission.method is None or submission.method.method != "window_3d":
        return []
    defaults = {f.name: f.default for f in dataclasses.fields(submission.method.params_class)}
    tile = submission.method.settings.get("tile", defaults["tile"])
    block = tile[0] * tile[1] * tile[2]
    if (block < MIN_BLOCK or text_tokens % block or grid[0] % tile[1] or grid[1] % tile[2]
            or any(f % tile[0] for f in frames)):  # fmt: skip
        return [Problem("config.params.tile", f"must divide the phase's videos ({list(frames)} frames of "
                        f"{grid[0]}x{grid[1]} tokens) and the {text_tokens} text tokens, with at least "
                        f"{MIN_BLOCK} tokens per tile; got {list(tile)}")]  # fmt: skip
    return []


def code_parse(*, path: Path) -> tuple[VditSubmission | None, list[Problem]]:
    """The checked files of a code submission, or None with its problems (bubblewrap missing included)."""
    files, problems = code_upload_parse(path=path)
    return (None if files is None else VditSubmission(code=files)), problems
