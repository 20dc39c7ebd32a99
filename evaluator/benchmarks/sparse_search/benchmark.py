"""SparseSearchBenchmark: the plugin the registry instantiates (build, validate, score, baselines)."""

from __future__ import annotations

import functools
from pathlib import Path

from evaluator.benchmarks.sparse_search import baselines as base
from evaluator.benchmarks.sparse_search.config import PROTOCOL_VERSION, SearchConfig
from evaluator.benchmarks.sparse_search.data import (
    digits_split,
    hidden_test_read,
    hidden_test_write,
    public_data_read,
    public_data_write,
)
from evaluator.benchmarks.sparse_search.init_track import init_build, init_reference_read
from evaluator.benchmarks.sparse_search.npzio import json_write
from evaluator.benchmarks.sparse_search.pool import build_workers_default, stack_pool
from evaluator.benchmarks.sparse_search.protocol import protocol_json, protocol_text
from evaluator.benchmarks.sparse_search.runs import (
    hidden_seeds_draw,
    reference_build,
    reference_read,
    reference_write,
)
from evaluator.benchmarks.sparse_search.scorer import submission_report
from evaluator.benchmarks.sparse_search.spec import INIT_PHASE, PHASE, spec_build
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
from evaluator.hidden import BuildSeeds


class SparseSearchBenchmark(Benchmark):
    """Node-sparse sub-networks of a digits MLP, trained by the platform on hidden seeds, vs random masks."""

    def __init__(self, config: SearchConfig | None = None, *, build_workers: int | None = None) -> None:
        """Use the published default protocol unless a (test) configuration is given; `build_workers`
        processes train the build's reference stacks (default: pool.build_workers_default)."""
        self.config = config or SearchConfig()
        self.spec = spec_build(config=self.config)
        self.build_workers = build_workers or build_workers_default(config=self.config)

    def build(self, out_dir: Path, *, seeds: BuildSeeds, progress: ProgressFn = no_progress) -> None:
        """Write public/ (data, protocol, samples, README, init/) and hidden/ (test split, seeds, references).

        The public split, the sample submission and the published initialisation of the digits-init track
        follow the public seed; the test order, the training seeds, the data-order seeds and the references'
        random masks follow the hidden key. Progress: digits phase 0-0.5, digits-init 0.5-1. The reference
        stacks train in `build_workers` processes where this process may start them (the same bytes)."""
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
        threads, workers = config.torch_threads, self.build_workers
        with torch_deterministic(threads=threads), stack_pool(workers=workers, threads=threads) as pool:
            ref = reference_build(
                config=config,
                data=data,
                test=test,
                mask_rng=hidden.rng("reference-masks"),
                seeds=train_seeds,
                progress=lambda fraction, stage: progress(0.5 * fraction, f"{PHASE}: {stage}"),
                pool=pool,
            )
            reference_write(
                hidden_dir=hidden_dir,
                config=config,
                public_seed=seed,
                key_id=hidden.key_id,
                seeds=train_seeds,
                ref=ref,
            )
            init_build(
                out_dir=Path(out_dir),
                config=config,
                public_seed=seed,
                hidden=hidden,
                data=data,
                test=test,
                progress=lambda fraction, stage: progress(0.5 + 0.5 * fraction, f"{INIT_PHASE}: {stage}"),
                pool=pool,
            )
        progress(1.0, "build complete")

    def validate(self, payload: Payload) -> list[Problem]:
        """Every problem of the submission file (reads only the upload, never hidden data)."""
        problems = []
        if payload.phase not in (PHASE, INIT_PHASE):
            problems.append(
                Problem("phase", f"unknown phase {payload.phase}; expected {PHASE} or {INIT_PHASE}")
            )
        if payload.config is not None:
            problems.append(Problem("config", "this benchmark takes a file, not a JSON method config"))
        _, file_problems = submission_parse(config=self.config, path=payload.file)
        return problems + file_problems

    def precheck(self, payload: Payload) -> list[Problem]:
        """At upload, the whole validation: the file is at most 1 MiB of small masks (shapes, values,
        kept counts), read without the training data."""
        return self.validate(payload)

    def score(self, payload: Payload, hidden_dir: Path, progress: ProgressFn = no_progress) -> ScoreReport:
        """Train the submission's networks on every hidden seed and compare them with the phase's reference.

        digits: each hidden seed re-initialises the parent. digits-init: every network starts from the
        published initialisation (the bundle's init/parent_init.npz) and the hidden seeds set the data orders.
        """
        config = self.config
        submission, problems = submission_parse(config=config, path=payload.file)
        if submission is None:
            raise ValueError("invalid submission: " + "; ".join(str(p) for p in problems))
        hidden_dir, public_dir = Path(hidden_dir), Path(payload.public_dir)
        parent = None
        if payload.phase == INIT_PHASE:
            seeds, ref, parent = init_reference_read(
                hidden_dir=hidden_dir, public_dir=public_dir, config=config
            )
            what = "hidden data orders from the published initialisation"
        elif payload.phase == PHASE:
            seeds, ref = reference_read(hidden_dir=hidden_dir, config=config)
            what = "hidden seeds"
        else:
            raise ValueError(f"unknown phase {payload.phase}; expected {PHASE} or {INIT_PHASE}")
        log = [
            f"protocol {PROTOCOL_VERSION}, phase {payload.phase}: {len(seeds)} {what}, {config.epochs} epochs"
        ]
        return submission_report(
            config=config,
            submission=submission,
            data=public_data_read(public_dir=public_dir),
            test=hidden_test_read(hidden_dir=hidden_dir),
            seeds=seeds,
            ref=ref,
            progress=progress,
            parent=parent,
            log=log,
        )

    def baselines(self) -> list[Baseline]:
        """Dense parent, one random mask per level, and random search (best of N briefly trained)."""
        config, phases = self.config, (PHASE, INIT_PHASE)
        return [
            Baseline(
                "Dense parent",
                "The unpruned 64-256-256-10 parent trained on the hidden seeds (digits-init: from the "
                "published initialisation on the hidden data orders); reference entry: no headline.",
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
                (PHASE,),
                functools.partial(_baseline_call, base.random_search_payload, config),
            ),
            Baseline(
                "Random search",
                f"{config.search_candidates} random masks per level trained {config.search_epochs} epochs "
                "from the published initialisation on the public split (public data order); best by "
                "validation accuracy. Scoring starts from the same weights, so the chosen nodes carry over.",
                (INIT_PHASE,),
                functools.partial(_baseline_call, base.random_search_init_payload, config),
            ),
        ]


def _baseline_call(maker, config: SearchConfig, public_dir: Path, phase: str, work_dir: Path) -> Payload:
    """Adapt a keyword-only payload maker to the positional (public_dir, phase, work_dir) contract."""
    Path(work_dir).mkdir(parents=True, exist_ok=True)
    with torch_deterministic(threads=config.torch_threads):
        return maker(config=config, public_dir=Path(public_dir), phase=phase, work_dir=Path(work_dir))
