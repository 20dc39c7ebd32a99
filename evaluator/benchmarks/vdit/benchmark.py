"""VditBenchmark: the plugin the registry instantiates (build, validate, score, baselines)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from evaluator.contract import Baseline, Benchmark, Payload, Problem, ProgressFn, ScoreReport, no_progress
from evaluator.hardware import hardware_fingerprint
from evaluator.hidden import BuildSeeds
from evaluator.sandbox.precheck import code_precheck

from .baselines import vdit_baselines
from .model import FRAME_HEIGHT, FRAME_WIDTH, PATTERN_COUNTS, TEXT_TOKENS, model_draw, model_read, model_write
from .phases import PHASE_PLANS, phase_plan, phase_seeds_read, seeds_write
from .report import split_score
from .run import REPEATS, PhaseRun, phase_run
from .spec import VERSION, vdit_spec
from .submission import VditSubmission, block_problems, code_parse, config_parse, window_problems

PROTOCOL = f"vdit-kernel-{VERSION}"
SAMPLE = Path(__file__).with_name("sample_submission.py")


def _readme() -> str:
    """The public bundle's README: the model, the phases, the two submission kinds."""
    counts = ", ".join(f"{n} {p}" for p, n in PATTERN_COUNTS.items())
    lines = [
        "# Video DiT sparse attention, kernel level",
        "",
        "Each evaluation seed gives one attention call per layer of a synthetic video DiT (model.json:",
        f"4 layers x 4 heads, patterns {counts}, fixed per head; a temperature per layer). Tokens are",
        "frame-major 32 x 32 video tokens, then 128 text tokens; head_dim 64; attention is not causal.",
        "dev_seeds.json has the development seeds (kernels/workloads.py draws the call of seed s, layer l",
        "from evaluator/benchmarks/vdit/model.py's call_seed); the test phases' seeds are hidden.",
        "",
        "Submit a JSON config (sample_config.json; methods dense, sparse_vdit, psa, blade_asa (with",
        "presets), svg (Sparse-VideoGen) and window_3d (a sliding 3-D window)) or your own selection",
        "code (sample_submission.py: select(q, k, **info) returns the key blocks of 128 tokens each",
        "query block of 128 attends to). Code runs in a sandbox without network;",
        "its time counts in the speedup. Scores: error against dense attention, mass recall, density, speed.",
        "",
    ]
    for plan in PHASE_PLANS:
        tokens = ", ".join(str(plan.tokens(f)) for f in plan.frames)
        lines.append(
            f"- {plan.slug}: {plan.seeds} seeds at {tokens} tokens"
            + ("; needs a GPU worker" if plan.needs_gpu else "")
        )
    return "\n".join(lines) + "\n"


class VditBenchmark(Benchmark):
    """Video sparse attention methods (configs or code) measured on hidden-seed video attention calls."""

    def __init__(
        self, *, frames: tuple[int, ...] | None = None, seed_count: int | None = None, repeats: int = REPEATS
    ) -> None:
        """``frames``, ``seed_count`` and ``repeats`` override the phases' (tests and timing scripts)."""
        self.frames, self.seed_count, self.repeats = frames, seed_count, repeats
        self.spec = vdit_spec()

    def build(self, out_dir: Path, *, seeds: BuildSeeds, progress: ProgressFn = no_progress) -> None:
        """The model, the published dev seeds, samples and the README; the test phases' seeds hidden."""
        out_dir = Path(out_dir)
        seeds_write(out_dir=out_dir, seeds=seeds)
        public = out_dir / "public"
        model_write(public_dir=public, model=model_draw(public_seed=seeds.public))
        (public / "README.md").write_text(_readme(), encoding="utf-8")
        sample = {"method": "psa", "preset": "wan2.1-1.3b"}
        (public / "sample_config.json").write_text(json.dumps(sample, indent=1), encoding="utf-8")
        shutil.copyfile(SAMPLE, public / "sample_submission.py")
        progress(1.0, "model and seeds written")

    def _parse(self, payload: Payload) -> tuple[VditSubmission | None, list[Problem]]:
        """The submission of a payload (a config, or a code file), or its problems."""
        if payload.file is not None:
            return code_parse(path=payload.file)
        return config_parse(config=payload.config, model=model_read(public_dir=payload.public_dir))

    def validate(self, payload: Payload) -> list[Problem]:
        """Every problem: the phase, then the config's fields or the code upload's files."""
        if payload.phase not in {p.slug for p in PHASE_PLANS}:
            return [Problem("phase", f"unknown phase {payload.phase}"), *self._parse(payload)[1]]
        submission, problems = self._parse(payload)
        if submission is not None:
            plan = phase_plan(slug=payload.phase)
            problems = block_problems(
                submission=submission, tokens=tuple(plan.tokens(f) for f in plan.frames)
            ) + window_problems(submission=submission, frames=plan.frames, grid=(FRAME_HEIGHT, FRAME_WIDTH),
                                text_tokens=TEXT_TOKENS)  # fmt: skip
        return problems

    def precheck(self, payload: Payload) -> list[Problem]:
        """At upload: a code file compiled with its select (not run); a config as ``validate`` checks it
        (its fields against the published model: no data beyond the bundle's model file is read)."""
        if payload.file is None:
            return self.validate(payload)
        problems = code_precheck(path=payload.file)
        if payload.phase not in {p.slug for p in PHASE_PLANS}:
            return [Problem("phase", f"unknown phase {payload.phase}"), *problems]
        return problems

    def score(self, payload: Payload, hidden_dir: Path, progress: ProgressFn = no_progress) -> ScoreReport:
        """Measure every call of the phase; public split = the first half of the seeds, private = all."""
        return self.report(self.run(payload, hidden_dir, progress))

    def run(self, payload: Payload, hidden_dir: Path, progress: ProgressFn = no_progress) -> PhaseRun:
        """Measure every call of the phase (score's first half; timing scripts read its stage seconds)."""
        submission, problems = self._parse(payload)
        if submission is None:
            raise ValueError("invalid submission: " + "; ".join(str(p) for p in problems))
        plan = phase_plan(slug=payload.phase)
        seeds = phase_seeds_read(phase=plan.slug, public_dir=Path(payload.public_dir), hidden_dir=hidden_dir)
        return phase_run(
            model=model_read(public_dir=payload.public_dir), submission=submission, plan=plan, seeds=seeds,
            progress=progress, frames=self.frames, seed_count=self.seed_count, repeats=self.repeats,
            time_limit_s=payload.time_limit_s or self.spec.soft_time_limit_s,
        )  # fmt: skip

    def report(self, run: PhaseRun) -> ScoreReport:
        """The splits of a run: public = the first half of its seeds, private = all."""
        splits = {"public": split_score(run=run, seed_limit=max(1, run.seed_count // 2)),
                  "private": split_score(run=run, seed_limit=None)}  # fmt: skip
        return ScoreReport(splits=splits, protocol_version=PROTOCOL, hardware=hardware_fingerprint(),
                           log=tuple(run.log))  # fmt: skip

    def baselines(self) -> list[Baseline]:
        """Dense, the methods at their presets and settings, and a searched Sparse-vDiT plan."""
        return vdit_baselines()
