"""Sparse-vDiT plans: one mode per (step, layer, head), found by an offline search pass and applied fused.

A model takes an attention function ``attend(layer, q, k, v)`` and calls it in every layer of every
denoising step; the search and the inference each supply one:

- ``VditSearch``: at each call, ``vdit_search_heads`` picks every head's mode and the call returns
  the chosen modes' output, so that the next layer sees the errors it would see at inference.
- ``VditPlanAttention``: at each call, the plan's modes for (step, layer) run with heads fused by
  mode; it records the density of every call.

``VditPlan`` is plain data: ``to_json`` / ``vdit_plan_from_json`` (which names the bad field).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import torch

from kernels.methods.vdit import (
    MODES,
    VditParams,
    vdit_attention,
    vdit_groups_density,
    vdit_plan_layouts,
    vdit_search_heads,
)


@dataclass(frozen=True)
class VditPlan:
    """Per (step, layer), one mode per head."""

    modes: Mapping[tuple[int, int], tuple[str, ...]]

    def modes_for(self, *, step: int, layer: int) -> tuple[str, ...]:
        """The heads' modes of one call; KeyError naming (step, layer) when the plan has none."""
        try:
            return self.modes[(step, layer)]
        except KeyError:
            raise KeyError(f"the plan has no modes for step {step}, layer {layer}") from None

    def skipped_fraction(self) -> float:
        """Share of all (step, layer, head) entries whose mode is skip."""
        entries = [m for modes in self.modes.values() for m in modes]
        return sum(m == "skip" for m in entries) / len(entries) if entries else 0.0

    def to_json(self) -> dict[str, Any]:
        """``{"calls": [{"step": s, "layer": l, "modes": [...]}, ...]}`` in (step, layer) order."""
        calls = [
            {"step": step, "layer": layer, "modes": list(modes)}
            for (step, layer), modes in sorted(self.modes.items())
        ]
        return {"calls": calls}


def vdit_plan_from_json(data: Any) -> VditPlan:
    """A plan from ``to_json``'s form; ValueError naming the offending field."""
    if not isinstance(data, Mapping) or not isinstance(data.get("calls"), list):
        raise ValueError('plan: must be an object with a "calls" list')
    modes: dict[tuple[int, int], tuple[str, ...]] = {}
    for index, call in enumerate(data["calls"]):
        where = f"calls[{index}]"
        if not isinstance(call, Mapping) or set(call) != {"step", "layer", "modes"}:
            raise ValueError(f'{where}: must hold exactly "step", "layer" and "modes"')
        for name in ("step", "layer"):
            value = call[name]
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"{where}.{name}: must be a non-negative integer, got {value!r}")
        heads = call["modes"]
        if not isinstance(heads, list) or not heads:
            raise ValueError(f"{where}.modes: must be a non-empty list of modes")
        for head, mode in enumerate(heads):
            if mode not in MODES:
                raise ValueError(f"{where}.modes[{head}]: must be one of {MODES}, got {mode!r}")
        key = (call["step"], call["layer"])
        if key in modes:
            raise ValueError(f"{where}: step {key[0]}, layer {key[1]} appears twice")
        modes[key] = tuple(heads)
    return VditPlan(modes=modes)


@dataclass
class VditSearch:
    """The attention function of an offline search pass (see the module doc); ``plan()`` gives the result."""

    params: VditParams
    lam: float = 0.5
    eps: float = 1.0
    backend: str = "auto"
    step: int = 0
    found: dict[tuple[int, int], tuple[str, ...]] = field(default_factory=dict)

    def __call__(self, layer: int, q: torch.Tensor, k: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
        """Search this call's head modes and return the chosen modes' output."""
        result = vdit_search_heads(
            q, k, v, params=self.params, lam=self.lam, eps=self.eps, backend=self.backend
        )
        self.found[(self.step, layer)] = result.modes
        return result.output

    def plan(self) -> VditPlan:
        """Every (step, layer) searched so far."""
        return VditPlan(modes=dict(self.found))


@dataclass
class VditPlanAttention:
    """The attention function of an inference pass that follows ``plan`` (heads fused by mode)."""

    plan: VditPlan
    params: VditParams
    backend: str = "auto"
    step: int = 0
    densities: dict[tuple[int, int], float] = field(default_factory=dict)

    def __call__(self, layer: int, q: torch.Tensor, k: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
        """This call's attention under the plan; its density is recorded."""
        modes = self.plan.modes_for(step=self.step, layer=layer)
        groups = vdit_plan_layouts(q, k, params=self.params, modes=modes)
        self.densities[(self.step, layer)] = vdit_groups_density(groups)
        return vdit_attention(q, k, v, groups, backend=self.backend)

    def mean_density(self) -> float:
        """Mean density over the calls made so far (every call has the same size)."""
        if not self.densities:
            raise ValueError("no call made yet")
        return sum(self.densities.values()) / len(self.densities)
