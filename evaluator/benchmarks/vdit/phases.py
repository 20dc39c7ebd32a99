"""The vdit phases: video lengths, evaluation seeds, and where each phase's seeds come from."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from evaluator.hidden import BuildSeeds
from evaluator.plans import plan_named

from .model import geometry_for

DEV_FILE = "dev_seeds.json"
HIDDEN_FILE = "seeds.json"
SEED_RANGE = 2**31


@dataclass(frozen=True)
class PhasePlan:
    """One phase: frames per video (32 x 32 tokens each, plus text), seeds per length, hidden or not."""

    slug: str
    title: str
    frames: tuple[int, ...]
    seeds: int
    hidden: bool
    needs_gpu: bool = False

    def tokens(self, frames: int) -> int:
        """Tokens of a ``frames``-frame video with its text tokens."""
        geometry = geometry_for(frames=frames)
        return geometry.frames * geometry.frame_tokens + geometry.text_tokens


PHASE_PLANS: tuple[PhasePlan, ...] = (
    PhasePlan("dev", "Development (published seeds, 8k tokens)", (8,), 3, hidden=False),
    PhasePlan("test", "Test (hidden seeds, 8k and 16k tokens)", (8, 16), 3, hidden=True),
    PhasePlan("test-long", "Test, long (hidden seeds, 32k tokens)", (32,), 4, hidden=True, needs_gpu=True),
)


def phase_plan(*, slug: str) -> PhasePlan:
    """The plan of phase ``slug``; ValueError names an unknown one."""
    return plan_named(PHASE_PLANS, slug, benchmark="vdit")


@dataclass(frozen=True)
class PhaseSeeds:
    """The evaluation seeds of a phase and the seed of PSA's and BLADE's sampled tokens."""

    evaluation: tuple[int, ...]
    sampling: int


def _table(seeds: BuildSeeds) -> dict:
    """The seeds of every phase: dev's from the public seed, the others' from the deployment secret."""
    table = {}
    for plan in PHASE_PLANS:
        if plan.hidden:
            evaluation = [
                seeds.hidden.seed("phase", plan.slug, str(i)) % SEED_RANGE for i in range(plan.seeds)
            ]
            sampling = seeds.hidden.seed("phase", plan.slug, "sampling") % SEED_RANGE
        else:
            evaluation = [1000 * seeds.public + i for i in range(plan.seeds)]
            sampling = 1000 * seeds.public + 999
        table[plan.slug] = {"evaluation": evaluation, "sampling": sampling}
    return table


def seeds_write(*, out_dir: Path, seeds: BuildSeeds) -> None:
    """public/dev_seeds.json (dev's seeds, published) and hidden/seeds.json (the test phases')."""
    public, hidden = Path(out_dir) / "public", Path(out_dir) / "hidden"
    public.mkdir(parents=True, exist_ok=True)
    hidden.mkdir(parents=True, exist_ok=True)
    table = _table(seeds)
    published = {slug: v for slug, v in table.items() if not phase_plan(slug=slug).hidden}
    kept = {slug: v for slug, v in table.items() if phase_plan(slug=slug).hidden}
    (public / DEV_FILE).write_text(json.dumps(published["dev"], indent=1), encoding="utf-8")
    (hidden / HIDDEN_FILE).write_text(json.dumps(kept, indent=1), encoding="utf-8")


def phase_seeds_read(*, phase: str, public_dir: Path, hidden_dir: Path) -> PhaseSeeds:
    """The seeds a phase is scored on: the published file for dev, the hidden one for the others."""
    plan = phase_plan(slug=phase)
    if plan.hidden:
        entry = json.loads((Path(hidden_dir) / HIDDEN_FILE).read_text(encoding="utf-8"))[phase]
    else:
        entry = json.loads((Path(public_dir) / DEV_FILE).read_text(encoding="utf-8"))
    return PhaseSeeds(evaluation=tuple(int(s) for s in entry["evaluation"]), sampling=int(entry["sampling"]))
