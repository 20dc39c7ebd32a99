"""Sparse-vDiT plans on the end-to-end track: one mode per (step, layer, head), checked against the DiT."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kernels.method_config import ConfigError
from kernels.methods.vdit_plan import vdit_plan_from_json

#: Missing (step, layer) pairs named in a message before "and N more".
NAMED_MISSING = 4


def _shape_field(message: str) -> ConfigError:
    """vdit_plan_from_json's ValueError ("calls[i].x: why" or "plan: why") as a ConfigError under plan."""
    where, _, why = message.partition(": ")
    return ConfigError("plan" if where == "plan" else f"plan.{where}", why)


def e2e_plan_modes(
    plan: Any, *, steps: int, layers: int, heads: int
) -> dict[tuple[int, int], tuple[str, ...]]:
    """The head modes of every (step, layer) call of the sampling, one per head; ConfigError naming the
    field that does not fit the model (steps x layers calls of ``heads`` heads, each call exactly once)."""
    extra = sorted(set(plan) - {"calls"}) if isinstance(plan, Mapping) else []
    if extra:
        raise ConfigError("plan", f'unknown key {extra[0]!r}; a plan has only "calls"')
    try:
        parsed = vdit_plan_from_json(plan)
    except ValueError as exc:
        raise _shape_field(str(exc)) from None
    for index, call in enumerate(plan["calls"]):
        where, step, layer, count = f"plan.calls[{index}]", call["step"], call["layer"], len(call["modes"])
        if step >= steps:
            raise ConfigError(f"{where}.step", f"must be below the {steps} sampling steps, got {step}")
        if layer >= layers:
            raise ConfigError(f"{where}.layer", f"must be below the model's {layers} layers, got {layer}")
        if count != heads:
            raise ConfigError(f"{where}.modes", f"must list {heads} modes (one per head), got {count}")
    missing = [(s, layer) for s in range(steps) for layer in range(layers) if (s, layer) not in parsed.modes]
    if missing:
        named = ", ".join(f"(step {s}, layer {layer})" for s, layer in missing[:NAMED_MISSING])
        more = f" and {len(missing) - NAMED_MISSING} more" if len(missing) > NAMED_MISSING else ""
        raise ConfigError(
            "plan.calls", f"the plan covers every step and layer ({steps} x {layers}); missing {named}{more}"
        )
    return dict(parsed.modes)
