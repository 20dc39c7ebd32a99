"""The phases of the frontier benchmark: lengths, samples, and where each phase's seeds come from."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from evaluator.hidden import BuildSeeds
from evaluator.plans import plan_named

from .registry import HARNESS_SEED, task_names

DEV_FILE = "dev_seeds.json"
HIDDEN_FILE = "seeds.json"
#: Seeds of the generators stay below this (random.Random takes any int; JSON and SQL like it small).
SEED_RANGE = 2**31


@dataclass(frozen=True)
class PhasePlan:
    """One phase: its prompt lengths, samples per task and length, and whether its seeds are hidden."""

    slug: str
    title: str
    lengths: tuple[int, ...]
    samples: int
    hidden: bool
    needs_gpu: bool = False


PHASE_PLANS: tuple[PhasePlan, ...] = (
    PhasePlan("dev", "Development (published seeds, 4k tokens)", (4096,), 20, hidden=False),
    PhasePlan("test", "Test (hidden seeds, 4k and 8k tokens)", (4096, 8192), 20, hidden=True),
    PhasePlan(
        "test-long", "Test, long (hidden seeds, 16k and 32k tokens)", (16384, 32768), 20, True, True
    ),
)

#: The phase scored on a local transformers model (hf_phase.py): hosted only where the deployment names
#: one, but its hidden seeds are in every build, so that naming a model later needs no rebuild.
HF_PLAN = PhasePlan(
    "test-hf", "Test, local transformers model (hidden seeds, 4k tokens)", (4096,), 6, True, True
)
SEEDED_PLANS = (*PHASE_PLANS, HF_PLAN)


def phase_plan(*, slug: str) -> PhasePlan:
    """The plan of phase `slug` (the hosted-model phase included); ValueError names an unknown one."""
    return plan_named(SEEDED_PLANS, slug, benchmark="frontier")


def seed_key(*, task: str, length: int) -> str:
    """The key of one (task, length) seed in the seed files."""
    return f"{task}@{length}"


def dev_seeds(*, public: int) -> dict[str, int]:
    """The published development seeds: the harness's seed 43 shifted by the build's public seed."""
    plan = phase_plan(slug="dev")
    base = HARNESS_SEED + 1000 * public
    return {seed_key(task=t, length=n): base for t in task_names() for n in plan.lengths}


def hidden_seeds(*, seeds: BuildSeeds) -> dict[str, dict[str, int]]:
    """Each hidden phase's seed per (task, length), from the deployment secret only."""
    return {
        plan.slug: {
            seed_key(task=t, length=n): seeds.hidden.seed("phase", plan.slug, t, str(n)) % SEED_RANGE
            for t in task_names()
            for n in plan.lengths
        }
        for plan in SEEDED_PLANS
        if plan.hidden
    }


def seeds_write(*, out_dir: Path, seeds: BuildSeeds) -> None:
    """public/dev_seeds.json (published) and hidden/seeds.json (the test phases')."""
    public, hidden = Path(out_dir) / "public", Path(out_dir) / "hidden"
    public.mkdir(parents=True, exist_ok=True)
    hidden.mkdir(parents=True, exist_ok=True)
    (public / DEV_FILE).write_text(json.dumps(dev_seeds(public=seeds.public), indent=1), encoding="utf-8")
    (hidden / HIDDEN_FILE).write_text(json.dumps(hidden_seeds(seeds=seeds), indent=1), encoding="utf-8")


def phase_seeds_read(*, phase: str, public_dir: Path, hidden_dir: Path) -> dict[str, int]:
    """The seeds a phase is scored on: the published file for dev, the hidden one for the others."""
    plan = phase_plan(slug=phase)
    if plan.hidden:
        table = json.loads((Path(hidden_dir) / HIDDEN_FILE).read_text(encoding="utf-8"))[phase]
    else:
        table = json.loads((Path(public_dir) / DEV_FILE).read_text(encoding="utf-8"))
    return {str(k): int(v) for k, v in table.items()}
