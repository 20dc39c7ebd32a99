"""SparseSearchBenchmark: the plugin the registry instantiates (build, validate, score, baselines)."""

from __future__ import annotations

import functools
import time
from pathlib import Path

import numpy as np

from evaluator.benchmarks.sparse_search import baselines as base
from evaluator.benchmarks.sparse_search.config import PROTOCOL_VERSION, SearchConfig, level_key
from evaluator.benchmarks.sparse_search.data import (
    digits_split,
    hidden_test_read,
    hidden_test_write,
    public_data_read,
    public_data_write,
)
from evaluator.benchmarks.sparse_search.masks import mask_dense, mask_kept
from evaluator.benchmarks.sparse_search.npzio import json_write
from evaluator.benchmarks.sparse_search.protocol import protocol_json, protocol_text
from evaluator.benchmarks.sparse_search.runs import (
    hidden_seeds_draw,
    masks_run,
    reference_build,
    reference_read,
    reference_write,
    same_split_run,
)
from evaluator.benchmarks.sparse_search.scoring import split_score
from evaluator.benchmarks.sparse_search.spec import PHASE, spec_build
from evaluator.benchmarks.sparse_search.submission import submission_parse, submission_write
from evaluator.benchmarks.sparse_search.train import torch_deterministic
from evaluator.contract import (
    Baseline,
    Benchmark,
    Payload,
    Problem,
    ProgressFn,
    ScoreReport,
    no_progress,
)
from evaluator.hardware import hardware_fingerprint
from evaluator.hidden import BuildSeeds


class SparseSearchBenchmark(Benchmark):
    """Node-sparse sub-networks of a digits MLP, trained by the platform on hidden seeds, vs random masks."""

    def __init__(self, config: SearchConfig | None = None) -> None:
        """Use the published default protocol unless a (test) configuration is given."""
        self.config = config or SearchConfig()
        self.spec = spec_build(config=self.config)

    def build(self, out_dir: Path, *, seeds: BuildSeeds, progress: ProgressFn = no_progress) -> None:
        """Write public/ (data, protocol, samples, README) and hidden/ (test split, seeds, reference).

        The public split and the sample submission follow the public seed; the test order, the training
        seeds and the reference's random masks follow the hidden key."""
        config, seed, hidden = self.config, seeds.public, seeds.hidden
        public_dir, hidden_dir = Path(out_dir) / "public", Path(out_dir) / "hidden"
        data, test = digits_split(config=config, seed=seed, test_rng=hidden.rng("test-order"))
        public_data_write(public_dir=public_dir, data=data)
        json_write(path=public_dir / "protocol.json", value=protocol_json(config=config))
        (public_dir / "README.md").write_text(protocol_text(config=config), encoding="utf-8")
        sample = base.random_masks_submission(config=config, seed=seed + 1)
        for name in ("sample_submission.npz", "sample_submission.json"):
            submission_write(config=config, path=public_dir / name, submission=sample)
        hidden_test_write(hidden_dir=hidden_dir, test=test)
        train_seeds = hidden_seeds_draw(rng=hidden.rng("training-seeds"), count=config.n_hidden_seeds)
        with torch_deterministic(threads=config.torch_threads):
            ref = reference_build(
                config=config,
                data=data,
                test=test,
                mask_rng=hidden.rng("reference-masks"),
                seeds=train_seeds,
                progress=progress,
            )
        reference_write(
            hidden_dir=hidden_dir,
            config=config,
            public_seed=seed,
            key_id=hidden.key_id,
            seeds=train_seeds,
            ref=ref,
        )
        progress(1.0, "build complete")

    def validate(self, payload: Payload) -> list[Problem]:
        """Every problem of the submission file (reads only the upload, never hidden data)."""
        problems = []
        if payload.phase != PHASE:
            problems.append(Problem("phase", f"unknown phase {payload.phase}; expected {PHASE}"))
        if payload.config is not None:
            problems.append(Problem("config", "this benchmark takes a file, not a JSON method config"))
        _, file_problems = submission_parse(config=self.config, path=payload.file)
        return problems + file_problems

    def precheck(self, payload: Payload) -> list[Problem]:
        """At upload, the whole validation: the file is at most 1 MiB of small masks (shapes, values,
        kept counts), read without the training data."""
        return self.validate(payload)

    def score(self, payload: Payload, hidden_dir: Path, progress: ProgressFn = no_progress) -> ScoreReport:
        """Train the submission's networks on every hidden seed and compare them with the reference."""
        config = self.config
        submission, problems = submission_parse(config=config, path=payload.file)
        if submission is None:
            raise ValueError("invalid submission: " + "; ".join(str(p) for p in problems))
        hidden_dir = Path(hidden_dir)
        seeds, ref = reference_read(hidden_dir=hidden_dir, config=config)
        test = hidden_test_read(hidden_dir=hidden_dir)
        data = public_data_read(public_dir=Path(payload.public_dir))
        log = [f"protocol {PROTOCOL_VERSION}: {len(seeds)} hidden seeds, {config.epochs} epochs per network"]
        started = time.perf_counter()
        with torch_deterministic(threads=config.torch_threads):
            if submission.dense_parent:
                masks = [mask_dense(config=config)]
                labels = ["dense parent"]
            else:
                masks = [submission.masks[level] for level in config.levels]
                labels = [f"level {level_key(level)}" for level in config.levels]
            share = 1.0 if submission.dense_parent else 1.0 / (1 + config.n_split_masks)
            runs = masks_run(
                config=config,
                data=data,
                test=test,
                masks=masks,
                seeds=seeds,
                progress=lambda fraction, stage: progress(share * fraction, stage),
                labels=labels,
                log=log,
            )
            log.append(f"trained {len(masks) * len(seeds)} networks in {time.perf_counter() - started:.2f} s")
            same_split = None
            if not submission.dense_parent:
                same_split = same_split_run(
                    config=config,
                    data=data,
                    test=test,
                    masks=masks,
                    seeds=seeds,
                    progress=progress,
                    start=share,
                )
                log.append(
                    f"same-split reference: {config.n_split_masks} masks x {len(seeds)} seeds per level, "
                    f"{time.perf_counter() - started:.2f} s in all"
                )
        if submission.dense_parent:
            runs, masks = runs * len(config.levels), masks * len(config.levels)
        kept = [mask_kept(mask=m) for m in masks]
        splits = {}
        for split, count in (("public", config.n_public_seeds), ("private", len(seeds))):
            splits[split] = split_score(
                config=config,
                runs=runs,
                kept=kept,
                ref=ref,
                seed_index=np.arange(count),
                dense_parent=submission.dense_parent,
                same_split=same_split,
            )
        progress(1.0, "scored")
        hardware = {**hardware_fingerprint(), "train_threads": str(config.torch_threads)}
        return ScoreReport(
            splits=splits, protocol_version=PROTOCOL_VERSION, hardware=hardware, log=tuple(log)
        )

    def baselines(self) -> list[Baseline]:
        """Dense parent, one random mask per level, and random search (best of N briefly trained)."""
        config, phases = self.config, (PHASE,)
        return [
            Baseline(
                "Dense parent",
                "The unpruned 64-256-256-10 parent trained on the hidden seeds "
                "(reference entry: no headline).",
                phases,
                functools.partial(_baseline_call, base.dense_payload, config),
            ),
            Baseline(
                "Random masks",
                "One uniformly random mask per level: where the random distribution typically lies.",
                phases,
                functools.partial(_baseline_call, base.random_masks_payload, config),
            ),
            Baseline(
                "Random search",
                f"{config.search_candidates} random masks per level trained "
                f"{config.search_epochs} epochs on the public split; best by validation accuracy. Scoring "
                "re-initialises every mask from the hidden seeds, so only its layer split can carry over.",
                phases,
                functools.partial(_baseline_call, base.random_search_payload, config),
            ),
        ]


def _baseline_call(maker, config: SearchConfig, public_dir: Path, phase: str, work_dir: Path) -> Payload:
    """Adapt a keyword-only payload maker to the positional (public_dir, phase, work_dir) contract."""
    Path(work_dir).mkdir(parents=True, exist_ok=True)
    with torch_deterministic(threads=config.torch_threads):
        return maker(config=config, public_dir=Path(public_dir), phase=phase, work_dir=Path(work_dir))
