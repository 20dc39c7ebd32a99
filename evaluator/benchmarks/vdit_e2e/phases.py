"""The end-to-end phases: videos per phase, sampling steps, and where each phase's seeds come from."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from evaluator.hidden import BuildSeeds
from evaluator.plans import plan_named

DEV_FILE = "dev_seeds.json"
#: Published calibration videos (Sparse-vDiT's offline search runs on them), apart from every phase's.
CALIBRATION_FILE = "calibration_seeds.json"
CALIBRATION_VIDEOS = 4
#: Calibration noise seeds start here above a public seed's base (dev: base + i; PSA's and BLADE's sampled
#: tokens: base + 999).
CALIBRATION_OFFSET = 500
HIDDEN_FILE = "seeds.json"
SEED_RANGE = 2**31
#: Noise seeds of the benchmark's videos start here (training used seed * 10_000_000 + step * batch).
PUBLIC_OFFSET = 900_000_000


@dataclass(frozen=True)
class PhasePlan:
    """One phase: videos (noise seed, class) per phase, sampling steps, hidden seeds or not, each video's
    length in multiples of the model's training length (longer ones are sampled with the same weights)
    and whether it needs a GPU worker."""

    slug: str
    title: str
    videos: int
    steps: int
    hidden: bool
    length: int = 1
    needs_gpu: bool = False


PHASE_PLANS: tuple[PhasePlan, ...] = (
    PhasePlan("dev", "Development (published seeds, 4 videos)", videos=4, steps=16, hidden=False),
    PhasePlan("test", "Test (hidden seeds, 8 videos)", videos=8, steps=16, hidden=True),
    PhasePlan(
        "test-long",
        "Test, long (hidden seeds, 4 videos of 32 frames, 8k tokens)",
        videos=4,
        steps=16,
        hidden=True,
        length=4,
        needs_gpu=True,
    ),  # fmt: skip
)
#: The phase sampled by a local Wan2.1 diffusers model (real_phase.py): hosted only where the deployment
#: names one, its hidden seeds in every build (naming a model later needs no rebuild); its videos' classes
#: are unused (the model is conditioned on zero text embeddings).
REAL_PLAN = PhasePlan("test-real", "Test, local Wan2.1 model (hidden seeds, 4 videos)", videos=4, steps=20,
                      hidden=True, needs_gpu=True)  # fmt: skip
SEEDED_PLANS = (*PHASE_PLANS, REAL_PLAN)


def phase_plan(*, slug: str) -> PhasePlan:
    """The plan of phase ``slug`` (the local model's included); ValueError names an unknown one."""
    return plan_named(SEEDED_PLANS, slug, benchmark="vdit-e2e")


def phase_frames(plan: PhasePlan, *, trained: int) -> int:
    """The frames of each video of ``plan`` for a model trained on ``trained`` frames."""
    return trained * plan.length


@dataclass(frozen=True)
class PhaseSeeds:
    """The noise seed and class of each video, and the seed of PSA's and BLADE's sampled tokens."""

    videos: tuple[tuple[int, int], ...]
    sampling: int


def _entry(plan: PhasePlan, seeds: BuildSeeds) -> dict:
    """One phase's seeds: published ones from the public seed, hidden ones from the deployment secret;
    the classes cycle through the 4 shapes."""
    if plan.hidden:
        noise = [seeds.hidden.seed("e2e", plan.slug, str(i)) % SEED_RANGE for i in range(plan.videos)]
        sampling = seeds.hidden.seed("e2e", plan.slug, "sampling") % SEED_RANGE
    else:
        base = PUBLIC_OFFSET + 1000 * seeds.public
        noise, sampling = [base + i for i in range(plan.videos)], base + 999
    return {"videos": [[s, i % 4] for i, s in enumerate(noise)], "sampling": sampling}


def calibration_entry(*, public_seed: int) -> dict:
    """The published calibration videos ([noise seed, class], the classes cycling through the 4 shapes)."""
    base = PUBLIC_OFFSET + 1000 * public_seed + CALIBRATION_OFFSET
    return {"videos": [[base + i, i % 4] for i in range(CALIBRATION_VIDEOS)]}


def calibration_videos(*, public_dir: Path) -> tuple[tuple[int, int], ...]:
    """The bundle's calibration videos ((noise seed, class) each)."""
    entry = json.loads((Path(public_dir) / CALIBRATION_FILE).read_text(encoding="utf-8"))
    return tuple((int(s), int(c)) for s, c in entry["videos"])


def seeds_write(*, out_dir: Path, seeds: BuildSeeds) -> None:
    """public/dev_seeds.json and public/calibration_seeds.json (published), hidden/seeds.json (the hidden
    phases')."""
    public, hidden = Path(out_dir) / "public", Path(out_dir) / "hidden"
    public.mkdir(parents=True, exist_ok=True)
    hidden.mkdir(parents=True, exist_ok=True)
    kept = {p.slug: _entry(p, seeds) for p in SEEDED_PLANS if p.hidden}
    published = [_entry(p, seeds) for p in PHASE_PLANS if not p.hidden]
    (public / DEV_FILE).write_text(json.dumps(published[0], indent=1), encoding="utf-8")
    calibration = calibration_entry(public_seed=seeds.public)
    (public / CALIBRATION_FILE).write_text(json.dumps(calibration, indent=1), encoding="utf-8")
    (hidden / HIDDEN_FILE).write_text(json.dumps(kept, indent=1), encoding="utf-8")


def phase_seeds_read(*, phase: str, public_dir: Path, hidden_dir: Path) -> PhaseSeeds:
    """The seeds a phase is scored on: the published file for dev, the hidden one for the others."""
    plan = phase_plan(slug=phase)
    if plan.hidden:
        entry = json.loads((Path(hidden_dir) / HIDDEN_FILE).read_text(encoding="utf-8"))[phase]
    else:
        entry = json.loads((Path(public_dir) / DEV_FILE).read_text(encoding="utf-8"))
    videos = tuple((int(s), int(c)) for s, c in entry["videos"])
    return PhaseSeeds(videos=videos, sampling=int(entry["sampling"]))
