"""VditE2eBenchmark: the plugin the registry instantiates (build, validate, score, baselines)."""

from __future__ import annotations

import dataclasses
import json
import logging
import shutil
import time
from pathlib import Path

import torch

from evaluator.contract import (
    Baseline,
    Benchmark,
    Payload,
    Problem,
    ProgressFn,
    ScoreReport,
    WorkerUnequipped,
    no_progress,
)
from evaluator.devices import phase_device
from evaluator.hardware import hardware_fingerprint
from evaluator.hidden import BuildSeeds

from ..vdit.dit.frames import config_for_frames, model_for_frames
from ..vdit.dit.model import DiTConfig, VideoDiT
from ..vdit.dit.placement import model_on
from ..vdit.dit.weights import weights_config, weights_load
from ..vdit.submission import VditSubmission
from .baselines import e2e_baselines
from .phases import (
    CALIBRATION_FILE,
    PHASE_PLANS,
    REAL_PLAN,
    calibration_videos,
    phase_frames,
    phase_plan,
    phase_seeds_read,
    seeds_write,
)
from .plot import layer_error_png, layer_step_errors
from .real_phase import REAL_PHASE, real_equipped, real_parse, real_phase_enabled, real_shape
from .real_score import REAL_OPTIONS, RealOptions, real_phase_score
from .report import split_score
from .run import REPEATS, SCORING_THREADS, E2eRun, phase_run, torch_threads
from .search import SEARCH_SECONDS, searched_modes
from .spec import VERSION, WEIGHTS_FILE, e2e_spec
from .strip import frame_strip_png
from .submission import e2e_problems, search_request

PROTOCOL = f"vdit-e2e-{VERSION}"
STRIP_NAME = "frames-first-middle-last_dense-above-sparse-below.png"
PLOT_NAME = "attention-error-per-layer-along-sampling_public-split-videos.png"
WEIGHTS = Path(__file__).resolve().parents[1] / "vdit" / "dit" / WEIGHTS_FILE
logger = logging.getLogger(__name__)


def _readme(*, trained: int) -> str:
    """The public bundle's README: the model (trained on ``trained`` frames), the phases, the submission."""
    lines = [
        "# Video DiT sparse attention, end to end",
        "",
        "weights.safetensors is the benchmark's video DiT (evaluator/benchmarks/vdit/dit in the project:",
        "load it with weights_load). Each video is sampled with 16 Euler steps from the noise of its seed",
        "(noise_draw) for its class, once with dense attention and once with your method at every step and",
        "layer; the sparse video's 8-bit frames are scored against the dense video's. dev_seeds.json lists",
        "the development videos ([noise seed, class]); the test phases' seeds are hidden. A phase may sample",
        "videos longer than the model's training length with the same weights (the 3-D RoPE on the longer",
        "grid: weights_load, then model_for_frames in evaluator/benchmarks/vdit/dit/frames.py).",
        "calibration_seeds.json lists calibration videos, none of them scored: tune or search on them.",
        "",
        "Submit a JSON config (sample_config.json; methods dense, sparse_vdit, psa, blade_asa, svg,",
        "window_3d, with presets), as on the kernel-level track (benchmark vdit). A Sparse-vDiT plan",
        'gives the head modes of every sampling step and layer: {"method": "sparse_vdit", "plan":',
        '{"calls": [{"step": s, "layer": l, "modes": [one per head]}, ...]}}, steps from 0. Or ask the',
        'scorer to search it: {"method": "sparse_vdit", "search": {"lam": 0.5, "eps": 1, "scaled": false}}',
        "runs Sparse-vDiT's offline search on the calibration videos (sampled together) before the",
        "sampling; its time is logged apart and is in no speedup.",
        "",
    ]
    lines += [
        f"- {p.slug}: {p.videos} videos of {phase_frames(p, trained=trained)} frames, {p.steps} steps"
        + ("; needs a GPU worker" if p.needs_gpu else "")
        for p in PHASE_PLANS
    ]
    lines.append(f"- {REAL_PLAN.slug} (only where the deployment names a local Wan2.1 diffusers model):"
                 f" {REAL_PLAN.videos} videos sampled by that model, {REAL_PLAN.steps} steps; JSON configs"
                 " (no search); needs a GPU worker")
    return "\n".join(lines) + "\n"


class VditE2eBenchmark(Benchmark):
    """Video sparse attention methods measured end to end on our video DiT's sampling."""

    def __init__(
        self, *, steps: int | None = None, video_count: int | None = None, repeats: int = REPEATS,
        weights: Path = WEIGHTS, threads: int = SCORING_THREADS, real: RealOptions = REAL_OPTIONS,
    ) -> None:  # fmt: skip
        """``steps``, ``video_count``, ``repeats`` and ``threads`` override the phases' and the job's,
        ``real`` test-real's sampling (tests and timing scripts)."""
        self.steps, self.video_count, self.repeats, self.weights = steps, video_count, repeats, Path(weights)
        self.threads, self.real = threads, real
        self.spec = e2e_spec()
        self._model: VideoDiT | None = None
        self._lengths: dict[tuple[int, torch.device], VideoDiT] = {}

    def model(self) -> VideoDiT:
        """The DiT (loaded once, on the CPU)."""
        if self._model is None:
            self._model = weights_load(path=self.weights)
        return self._model

    def phase_model(self, phase: str, device: torch.device | str = "cpu") -> VideoDiT:
        """The DiT sampling ``phase``'s videos on ``device``: the model itself, or its weights on a longer
        grid (each length and device made once)."""
        model, device = self.model(), torch.device(device)
        frames = phase_frames(phase_plan(slug=phase), trained=model.config.frames)
        if (frames, device) not in self._lengths:
            self._lengths[frames, device] = model_on(model_for_frames(model, frames=frames), device)
        return self._lengths[frames, device]

    def build(self, out_dir: Path, *, seeds: BuildSeeds, progress: ProgressFn = no_progress) -> None:
        """The weights, the published dev seeds, a sample config and the README; test seeds hidden."""
        out_dir = Path(out_dir)
        seeds_write(out_dir=out_dir, seeds=seeds)
        public = out_dir / "public"
        shutil.copyfile(self.weights, public / WEIGHTS_FILE)
        readme = _readme(trained=weights_config(path=self.weights).frames)
        (public / "README.md").write_text(readme, encoding="utf-8")
        sample = {"method": "psa", "preset": "wan2.1-1.3b", "params": {"warmup_steps": 5}}
        (public / "sample_config.json").write_text(json.dumps(sample, indent=1), encoding="utf-8")
        progress(1.0, "weights and seeds written")

    def _parse(
        self, payload: Payload, cfg: DiTConfig | None = None
    ) -> tuple[VditSubmission | None, list[Problem]]:
        """The submission of a payload, or its problems (checked against the model's shape `cfg` at the
        phase's length)."""
        cfg = cfg or self.model().config
        if payload.phase in {p.slug for p in PHASE_PLANS}:
            frames = phase_frames(phase_plan(slug=payload.phase), trained=cfg.frames)
            cfg = config_for_frames(cfg, frames=frames)
        name = None if payload.file is None else Path(payload.file).name
        return e2e_problems(config=payload.config, file_name=name, layers=cfg.depth, heads=cfg.heads,
                            tokens=cfg.tokens, steps=self._steps(payload.phase))  # fmt: skip

    def _steps(self, phase: str) -> int:
        """The sampling steps of ``phase`` (the override where set; an unknown phase: the most of any)."""
        plans = {p.slug: p.steps for p in PHASE_PLANS}
        return self.steps or plans.get(phase, max(plans.values()))

    def validate(self, payload: Payload) -> list[Problem]:
        """Every problem: the phase, then the config's fields (on test-real against this worker's local
        model: WorkerUnequipped where it has none)."""
        if payload.phase == REAL_PHASE:
            return self._real_problems(payload, model=real_equipped())
        return self._problems(payload, cfg=None)

    def precheck(self, payload: Payload) -> list[Problem]:
        """At upload, the same checks on the model's shape read from the weights' metadata (no tensor); on
        test-real against the local model's config.json where this process has it (else the worker checks)."""
        if payload.phase == REAL_PHASE:
            try:
                model = real_equipped()
            except WorkerUnequipped:
                model = None
            return self._real_problems(payload, model=model)
        return self._problems(payload, cfg=weights_config(path=self.weights))

    def _real_problems(self, payload: Payload, *, model) -> list[Problem]:
        """test-real's checks: a file refused; the config against ``model`` (None: not here, not checked)."""
        name = None if payload.file is None else Path(payload.file).name
        if model is None:
            return [] if name is None else real_parse(config=None, file_name=name, shape=None, steps=0)[1]
        shape = real_shape(model, latent=self.real.latent)
        return real_parse(config=payload.config, file_name=name, shape=shape, steps=self.real.steps)[1]

    def _problems(self, payload: Payload, *, cfg: DiTConfig | None) -> list[Problem]:
        """The phase, then the config's fields."""
        problems = self._parse(payload, cfg)[1]
        calibration = Path(payload.public_dir) / CALIBRATION_FILE
        if not problems and search_request(payload.config) is not None and not calibration.is_file():
            problems = [Problem("config.search", f"this data has no {CALIBRATION_FILE} to search on")]
        if payload.phase not in {p.slug for p in PHASE_PLANS}:
            return [Problem("phase", f"unknown phase {payload.phase}"), *problems]
        return problems

    def score(self, payload: Payload, hidden_dir: Path, progress: ProgressFn = no_progress) -> ScoreReport:
        """Sample every video of the phase; public split = the first half of the videos, private = all
        (test-real: on this worker's local Wan model)."""
        if payload.phase == REAL_PHASE:
            return real_phase_score(payload=payload, hidden_dir=hidden_dir, options=self.real,
                                    progress=progress)  # fmt: skip
        return self.report(self.run(payload, hidden_dir, progress))

    def run(self, payload: Payload, hidden_dir: Path, progress: ProgressFn = no_progress) -> E2eRun:
        """The phase's videos sampled densely and with the submission, and the timed pairs, on the job's
        torch threads (the search first where the config asks for one)."""
        with torch_threads(self.threads):
            run = self._run(payload, hidden_dir, progress)
        run.threads = self.threads
        run.log.append(f"torch threads: {self.threads}")
        return run

    def _run(self, payload: Payload, hidden_dir: Path, progress: ProgressFn) -> E2eRun:
        """``run`` proper."""
        submission, problems = self._parse(payload)
        if submission is None:
            raise ValueError("invalid submission: " + "; ".join(str(p) for p in problems))
        plan = phase_plan(slug=payload.phase)
        steps = self.steps or plan.steps
        device = phase_device(needs_gpu=plan.needs_gpu, code=payload.file is not None)
        logger.info("vdit-e2e %s: model on %s", plan.slug, device)
        model = self.phase_model(plan.slug, device)
        request, search_log = search_request(payload.config), []
        if request is not None:  # Sparse-vDiT's offline search, on the published calibration videos
            progress(0.0, "searching the plan on the calibration videos")
            start = time.perf_counter()
            calibration = calibration_videos(public_dir=Path(payload.public_dir))
            modes, search_log = searched_modes(model=model, submission=submission,
                                               request=request, videos=calibration, steps=steps)  # fmt: skip
            submission = dataclasses.replace(submission, call_modes=modes)
            search_s = time.perf_counter() - start
        seeds = phase_seeds_read(phase=plan.slug, public_dir=Path(payload.public_dir), hidden_dir=hidden_dir)
        videos = seeds.videos if self.video_count is None else seeds.videos[: self.video_count]
        run = phase_run(model=model, submission=submission, videos=videos, steps=steps,
                        sampling=seeds.sampling, repeats=self.repeats, progress=progress)  # fmt: skip
        if request is not None:
            run.add(SEARCH_SECONDS, search_s)
            run.log[:0] = [*search_log, f"search: {search_s:.1f} s before the sampling (in no speedup)"]
        run.log.append(f"model on {device}")  # next to the torch threads: where the job ran
        run.hidden = plan.hidden
        return run

    def report(self, run: E2eRun) -> ScoreReport:
        """The split scores of a run (public = the first half of the videos, private = all), the per-layer
        error plot of the public split's videos and, on the published-seed phase, the first video's frame
        strip (hidden videos are never shown)."""
        layers, count = self.model().config.depth, len(run.videos)
        splits = {"public": split_score(run=run, layers=layers, video_limit=max(1, count // 2)),
                  "private": split_score(run=run, layers=layers, video_limit=None)}  # fmt: skip
        artefacts = {}
        if not run.hidden and run.videos:
            first = run.videos[0]
            artefacts[STRIP_NAME] = frame_strip_png(dense=first.dense_frames, sparse=first.sparse_frames)
        public = [r for v in run.videos[: max(1, count // 2)] for r in v.records]
        if public:
            steps = 1 + max(r.step for r in public)
            errors = layer_step_errors(records=public, layers=layers, steps=steps)
            artefacts[PLOT_NAME] = layer_error_png(errors=errors)
        hardware = {**hardware_fingerprint(), "threads": str(run.threads)}
        return ScoreReport(splits=splits, protocol_version=PROTOCOL, hardware=hardware, log=tuple(run.log),
                           artefacts=artefacts)  # fmt: skip

    def baselines(self) -> list[Baseline]:
        """Dense and the methods at their presets and settings."""
        return e2e_baselines(real=real_phase_enabled())
