"""FrontierBenchmark: the plugin the registry instantiates (build, validate, score, baselines)."""

from __future__ import annotations

import dataclasses
import functools
import json
import logging
import shutil
from pathlib import Path

import torch

from evaluator.contract import (
    Baseline,
    Benchmark,
    Payload,
    Problem,
    ProgressFn,
    ScoreReport,
    no_progress,
)
from evaluator.devices import phase_device
from evaluator.hardware import hardware_fingerprint
from evaluator.hidden import BuildSeeds
from evaluator.sandbox.precheck import code_precheck

from .evaluate import phase_run
from .hf_phase import HF_PHASE, hf_payload_problems, hf_phase_enabled
from .hf_run import GENERATE_TOKENS
from .hf_score import hf_phase_score
from .model.protocol import SUPPORTED_TASKS
from .model.wired import WiredModel
from .plan import HF_PLAN, PHASE_PLANS, phase_plan, phase_seeds_read, seed_key, seeds_write
from .report import split_score, target_check
from .spec import VERSION, frontier_spec
from .submission import DENSE, FRONTIER_METHODS, FrontierSubmission, code_parse, submission_parse
from .tokenizer import tokenizer_frontier

#: Baselines: dense, then every method at these target sparsities (dev), fewer on the costlier phases.
BASELINE_SPARSITIES = {"dev": (0.5, 0.67, 0.8, 0.9, 0.95), "test": (0.8, 0.95), "test-long": (0.9,),
                       HF_PHASE: (0.9,)}
#: Every phase a payload may name, the hosted-model one included (a worker without its setting still
#: recognises it, and says what it lacks).
KNOWN_PHASES = frozenset(p.slug for p in (*PHASE_PLANS, HF_PLAN))
PROTOCOL = f"frontier-{VERSION}"
SAMPLE = Path(__file__).with_name("sample_submission.py")
logger = logging.getLogger(__name__)


def frontier_model(device: torch.device | str = "cpu") -> WiredModel:
    """The built-in wired model on `device` (built once per process and device from the shipped tokenizer)."""
    return _model_on(torch.device(device))


@functools.cache
def _model_on(device: torch.device) -> WiredModel:
    """frontier_model's cache (keyed by the normalised device)."""
    return WiredModel(tokenizer=tokenizer_frontier(), device=device)


def _readme() -> str:
    """The public bundle's README: phases, seeds, tasks scored, submission format."""
    lines = [
        "# Long-context sparse attention (The Sparse Frontier's tasks)",
        "",
        "Submit a JSON method config (sample_config.json) or your own selection code",
        "(sample_submission.py: select(q, k, **info) returns the key blocks of 64 tokens each query block",
        "of 64 attends to, causally; or, declaring ANSWER = \"eviction\", the positions each KV head keeps",
        "after the prompt, as kept / kept_counts, decoding then reads only those). The platform runs it on",
        "the attention calls of its built-in wired model (code in a sandbox without network, its time",
        "counted in the speedup), scores the answers",
        "as the Sparse Frontier's harness does, and measures sparsity and speed itself.",
        "",
        f"Tasks scored: {', '.join(SUPPORTED_TASKS)} (the others are n/a: the model does not solve them",
        "under dense attention). In story_retrieval the harness writes, before each numbered answer, a",
        "line \"Chapter N: place|person|item\" restating the question (the scorer reads numbered lines only)",
        "and the answer's word count (an item has three words). In story_multihop the harness writes",
        "\"Before X<answer>\" (X: the question's item, outside the answer block) and the model writes the",
        "item's three words. dev_seeds.json gives the development seeds",
        "per task and length: sample i of a task is random.Random(seed + i) in",
        "evaluator/benchmarks/frontier.",
        "The test phases' seeds are",
        "hidden (derived from the deployment's secret).",
        "",
    ]
    for plan in PHASE_PLANS:
        lengths = ", ".join(str(n) for n in plan.lengths)
        lines.append(f"- {plan.slug}: {plan.samples} samples per task at {lengths} tokens"
                     + ("; needs a GPU worker" if plan.needs_gpu else ""))
    lines.append(f"- {HF_PLAN.slug} (only where the deployment names a local transformers model):"
                 f" {HF_PLAN.samples} samples per task at {HF_PLAN.lengths[0]} tokens, answered by that"
                 " model; JSON configs only; needs a GPU worker")
    return "\n".join(lines) + "\n"


class FrontierBenchmark(Benchmark):
    """Sparse attention methods run inside the wired model on hidden-seed long-context tasks."""

    def __init__(self, *, samples: int | None = None, lengths: tuple[int, ...] | None = None,
                 tasks: tuple[str, ...] = SUPPORTED_TASKS, hf_tasks: tuple[str, ...] | None = None,
                 hf_new_tokens: int = GENERATE_TOKENS) -> None:  # fmt: skip
        """`samples`, `lengths` and `tasks` (scored tasks run; on test-hf `hf_tasks`, default all six, and
        `hf_new_tokens` per answer) override every phase's (tests and timing scripts only)."""
        self.samples, self.lengths, self.tasks = samples, lengths, tasks
        self.hf_tasks, self.hf_new_tokens = hf_tasks, hf_new_tokens
        self.spec = frontier_spec()

    def build(self, out_dir: Path, *, seeds: BuildSeeds, progress: ProgressFn = no_progress) -> None:
        """Published dev seeds, a sample config and the README; the test phases' seeds hidden."""
        out_dir = Path(out_dir)
        seeds_write(out_dir=out_dir, seeds=seeds)
        public = out_dir / "public"
        (public / "README.md").write_text(_readme(), encoding="utf-8")
        sample = {"method": "block_topk", "target_sparsity": 0.9}
        (public / "sample_config.json").write_text(json.dumps(sample, indent=1), encoding="utf-8")
        shutil.copyfile(SAMPLE, public / "sample_submission.py")
        progress(1.0, "seeds written")

    def _parse(self, payload: Payload) -> tuple[FrontierSubmission | None, list[Problem]]:
        """The submission of a payload (a config, or a code file), or its problems."""
        if payload.file is not None:
            return code_parse(path=payload.file)
        return submission_parse(config=payload.config)

    def validate(self, payload: Payload) -> list[Problem]:
        """Every problem: the phase, then the config's fields or the code upload's files."""
        problems = []
        if payload.phase not in KNOWN_PHASES:
            problems.append(Problem("phase", f"unknown phase {payload.phase}"))
        if payload.phase == HF_PHASE:
            return problems + (hf_payload_problems(payload) or submission_parse(config=payload.config)[1])
        return problems + self._parse(payload)[1]

    def precheck(self, payload: Payload) -> list[Problem]:
        """At upload: the phase, the config's fields, or the code compiled with its select (not run)."""
        problems = []
        if payload.phase not in KNOWN_PHASES:
            problems.append(Problem("phase", f"unknown phase {payload.phase}"))
        if payload.phase == HF_PHASE and payload.file is not None:
            return problems + hf_payload_problems(payload)
        if payload.file is not None:
            return problems + code_precheck(path=payload.file)
        return problems + submission_parse(config=payload.config)[1]

    def score(self, payload: Payload, hidden_dir: Path, progress: ProgressFn = no_progress) -> ScoreReport:
        """Run the phase; public split = the first half of the samples, private = all of them."""
        submission, problems = self._parse(payload)
        if submission is None:
            raise ValueError("invalid submission: " + "; ".join(str(p) for p in problems))
        if payload.phase == HF_PHASE:
            return hf_phase_score(payload=payload, hidden_dir=hidden_dir, submission=submission,
                                  progress=progress, tasks=self.hf_tasks, samples=self.samples,
                                  lengths=self.lengths, max_new_tokens=self.hf_new_tokens)  # fmt: skip
        plan = phase_plan(slug=payload.phase)
        seeds = phase_seeds_read(phase=plan.slug, public_dir=Path(payload.public_dir), hidden_dir=hidden_dir)
        if self.lengths is not None:
            base = {key.split("@")[0]: value for key, value in seeds.items()}
            plan = dataclasses.replace(plan, lengths=self.lengths)
            seeds = {seed_key(task=t, length=n): base[t] for t in base for n in self.lengths}
        device = phase_device(needs_gpu=plan.needs_gpu, code=submission.code is not None)
        where = f"model on {device}" + (" (code submissions run on the CPU)" if submission.code else "")
        logger.info("frontier %s: %s", plan.slug, where)
        run = phase_run(
            model=frontier_model(device), submission=submission, plan=plan, seeds=seeds, progress=progress,
            samples=self.samples, time_limit_s=payload.time_limit_s or self.spec.soft_time_limit_s,
            tasks=self.tasks,
        )
        run.log.insert(0, where)
        target_check(submission=submission, run=run)
        count = plan.samples if self.samples is None else self.samples
        splits = {"public": split_score(run=run, limit=max(1, count // 2)), "private": split_score(run=run,
                                                                                              limit=None)}
        return ScoreReport(
            splits=splits, protocol_version=PROTOCOL, hardware=hardware_fingerprint(), log=tuple(run.log)
        )

    def baselines(self) -> list[Baseline]:
        """Dense attention, and each method at the phase's target sparsities."""
        every = tuple(p.slug for p in PHASE_PLANS) + ((HF_PHASE,) if hf_phase_enabled() else ())
        dense = functools.partial(_config, {"method": DENSE})
        entries = [Baseline("Dense", "Dense causal attention: the model's reference accuracy.", every, dense)]
        for method in FRONTIER_METHODS:
            for sparsity in sorted({s for levels in BASELINE_SPARSITIES.values() for s in levels}):
                levels = BASELINE_SPARSITIES.items()
                phases = tuple(p for p, chosen in levels if sparsity in chosen and p in every)
                config = {"method": method, "target_sparsity": sparsity}
                entries.append(Baseline(
                    f"{method} @ {sparsity}", f"{method} with its released defaults, budget chosen by the"
                    f" platform for sparsity {sparsity}.", phases, functools.partial(_config, config)))
        return entries


def _config(config: dict, public_dir: Path, phase: str, work_dir: Path) -> Payload:
    """A baseline's payload: its JSON config (the (public_dir, phase, work_dir) contract)."""
    return Payload(phase=phase, public_dir=Path(public_dir), config=dict(config))
