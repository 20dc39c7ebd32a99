"""The vdit-e2e baselines: dense, and each method at its released presets and settings."""

from __future__ import annotations

import copy
import functools
from pathlib import Path

from evaluator.contract import Baseline, Payload

from ..vdit.baselines import CONFIGS
from .phases import PHASE_PLANS, REAL_PLAN

#: PSA's released presets warm up densely for 15 (12) of their models' 50 steps; on our 16 steps that
#: would leave one sparse step, so each preset is also run with its warm-up scaled to 16 steps (30%).
SCALED_WARMUP = 5
EXTRA = (
    ("PSA wan2.1-1.3b (warm-up 5 of 16)", "PSA's Wan2.1-1.3B preset, its 15-of-50-step dense warm-up"
     " scaled to 5 of our 16 steps.", {"method": "psa", "preset": "wan2.1-1.3b",
                                        "params": {"warmup_steps": SCALED_WARMUP}}),
    ("PSA wan2.1-14b (warm-up 5 of 16)", "PSA's Wan2.1-14B preset, its dense warm-up scaled to 5 of 16"
     " steps.", {"method": "psa", "preset": "wan2.1-14b", "params": {"warmup_steps": SCALED_WARMUP}}),
)  # fmt: skip


def _config(config: dict, public_dir: Path, phase: str, work_dir: Path) -> Payload:
    """A fixed config's payload (the (public_dir, phase, work_dir) contract)."""
    return Payload(phase=phase, public_dir=Path(public_dir), config=copy.deepcopy(config))


SEARCHED = (
    ("Sparse-vDiT searched plan", "Sparse-vDiT with the plan (a mode per step, layer and head) of its"
     " offline search (the paper's lam 0.5, eps 1), run by the scorer before the sampling on the 4"
     " published calibration videos (calibration_seeds.json, none of them a dev or test video) sampled"
     " together: dev and test are both out of sample.", {"method": "sparse_vdit", "search": {}}),
    ("Sparse-vDiT searched plan (scaled loss)", "Sparse-vDiT with the plan of its offline search on the 4"
     " published calibration videos, the MSE taken relative to each call's dense output energy (our"
     " variant: lam 0.5, eps 1 on the relative MSE); dev and test are both out of sample.",
     {"method": "sparse_vdit", "search": {"scaled": True}}),
)  # fmt: skip


#: The fixed configs also run on test-real where it is hosted: dense and the methods' Wan2.1 settings.
REAL_BASELINES = ("Dense", "PSA wan2.1-1.3b", "BLADE ASA_G wan2.1-1.3b", "Sparse-VideoGen")


def e2e_baselines(*, real: bool = False) -> list[Baseline]:
    """The kernel track's fixed configs (dense, presets, Sparse-vDiT's modes), PSA with scaled warm-ups and
    Sparse-vDiT's per-step plans, searched by the scorer on the calibration videos; with ``real`` (test-real
    hosted) the REAL_BASELINES on test-real too."""
    every = tuple(p.slug for p in PHASE_PLANS)
    return [
        Baseline(name, text, every + ((REAL_PLAN.slug,) if real and name in REAL_BASELINES else ()),
                 functools.partial(_config, config))  # fmt: skip
        for name, text, config in (*CONFIGS, *EXTRA, *SEARCHED)
    ]
