"""Sample each video of a phase densely and with the submitted method from the same noise; time both."""

from __future__ import annotations

import contextlib
import statistics
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np
import torch

from evaluator.contract import ProgressFn
from evaluator.metrics.video import VideoQuality, video_frames, video_quality
from kernels.harness import VideoGeometry, timed_call

from ..vdit.dit.model import VideoDiT
from ..vdit.dit.placement import model_device
from ..vdit.dit.sampler import SamplerConfig, noise_draw, sample_video
from ..vdit.submission import VditSubmission
from .hooks import CallRecord, DenseHook, MethodHook

REPEATS = 5
#: Torch threads of a scoring job (its search, samplings and metrics). One: at 2,048 tokens most of a
#: forward pass is small elementwise ops, and on 2 shared cores a two-thread op waits for its second
#: thread whenever the scheduler has put it off the CPU: 8-18 s a sampling on two threads against 3.4-4.3 s
#: on one at load 4.6-8.4, 1.5 s against 2.5 s quiet; the videos are identical (docs/PERFORMANCE.md).
SCORING_THREADS = 1


@contextlib.contextmanager
def torch_threads(threads: int) -> Iterator[None]:
    """Run with ``threads`` torch threads, restoring the count afterwards."""
    old = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        yield
    finally:
        torch.set_num_threads(old)


@dataclass(frozen=True)
class VideoResult:
    """One video: its noise seed and class, the quality of the sparse video against the dense one, the
    harness's per-call records (empty for dense), and both videos' frames (F, H, W, 3) in [0, 1]."""

    index: int
    seed: int
    label: int
    quality: VideoQuality
    records: tuple[CallRecord, ...]
    dense_frames: np.ndarray
    sparse_frames: np.ndarray

    def layer_errors(self, layers: int) -> tuple[float, ...]:
        """Each layer's attention error averaged over the sampling steps (0 for dense)."""
        if not self.records:
            return (0.0,) * layers
        return tuple(float(np.mean([r.rel_l2 for r in self.records if r.layer == i])) for i in range(layers))

    @property
    def density(self) -> float:
        """Mean density over the calls (1 for dense)."""
        return float(np.mean([r.density for r in self.records])) if self.records else 1.0


@dataclass(frozen=True)
class TimedPair:
    """One video sampled densely, then with the method, in ms: both walls (the harness's measuring inside
    the method's hook taken out) and the hooks' summed attention and estimator times."""

    dense_sampling_ms: float
    method_sampling_ms: float
    dense_attention_ms: float
    method_attention_ms: float
    estimator_ms: float


@dataclass(frozen=True)
class SpeedResult:
    """Medians over the timed pairs (dense and method sampling interleaved, after a warm-up) in ms."""

    dense_sampling_ms: float
    method_sampling_ms: float
    dense_attention_ms: float
    method_attention_ms: float
    estimator_ms: float
    rounds: int

    @classmethod
    def of(cls, pairs: list[TimedPair]) -> SpeedResult:
        """Each figure's median over the pairs."""
        names = ("dense_sampling_ms", "method_sampling_ms", "dense_attention_ms", "method_attention_ms",
                 "estimator_ms")  # fmt: skip
        return cls(**{n: statistics.median(getattr(p, n) for p in pairs) for n in names}, rounds=len(pairs))


@dataclass
class E2eRun:
    """Every video of a phase, the speed figures (None for dense) and the log lines."""

    videos: list[VideoResult] = field(default_factory=list)
    speed: SpeedResult | None = None
    hidden: bool = True  # the videos come from hidden seeds: nothing of them is shown
    log: list[str] = field(default_factory=list)
    #: Where the job's time went, in seconds: dense sampling, the method's sampling (its estimator and
    #: attention inside), the harness's per-call measuring, the video metrics, the timed rounds.
    seconds: dict[str, float] = field(default_factory=dict)
    threads: int = SCORING_THREADS  # the torch threads the job ran on

    def add(self, name: str, seconds: float) -> None:
        """Add ``seconds`` to the ``name`` share of the job's time."""
        self.seconds[name] = self.seconds.get(name, 0.0) + seconds


def model_geometry(model: VideoDiT) -> VideoGeometry:
    """The token grid the methods see: frame-major (frames, rows, cols) tokens, no text tokens."""
    frames, rows, cols = model.config.grid
    return VideoGeometry(frames=frames, height=rows, width=cols, text_tokens=0)


def _sample(model: VideoDiT, seed: int, label: int, steps: int, hook) -> tuple[torch.Tensor, float]:
    """(video (3, F, H, W) on the CPU, wall ms) sampled on the model's device from the seed's noise (drawn
    on the CPU: the same on every device) through ``hook``; on CUDA the wall waits for the device's work."""
    device = model_device(model)
    noise = noise_draw(seed=seed, batch=1, model=model)
    labels = torch.tensor([label], device=device)
    ms, video = timed_call(lambda: sample_video(model=model, noise=noise, labels=labels,
                                                config=SamplerConfig(steps=steps), attend=hook),
                           device=device)  # fmt: skip
    return video[0].cpu(), ms


def speed_rounds(
    *, model: VideoDiT, submission: VditSubmission, video: tuple[int, int], steps: int, sampling: int,
    repeats: int,
) -> list[TimedPair]:  # fmt: skip
    """Sample one video densely and with the method in ``repeats`` interleaved rounds, nothing measured
    inside the hooks. The caller has sampled this video both ways just before: that was the warm-up."""
    geometry, pairs = model_geometry(model), []
    for _ in range(repeats):
        dense = DenseHook()
        _, dense_ms = _sample(model, *video, steps, dense)
        method = MethodHook(submission=submission, geometry=geometry, seed=sampling)
        _, method_ms = _sample(model, *video, steps, method)
        pairs.append(
            TimedPair(dense_ms, method_ms, dense.attention_ms, method.attention_ms, method.estimator_ms)
        )
    return pairs


def _video_run(
    run: E2eRun, model: VideoDiT, submission: VditSubmission, geometry: VideoGeometry, index: int,
    video: tuple[int, int], steps: int, sampling: int,
) -> tuple[VideoResult, TimedPair | None]:  # fmt: skip
    """One video sampled densely, then with the method measuring each call (dense: once), and scored;
    with the pair's times (the method's wall without the measuring), None for dense."""
    seed, label = video
    timed = None
    dense_hook = DenseHook()
    dense_video, dense_ms = _sample(model, seed, label, steps, dense_hook)
    run.add("dense sampling", dense_ms / 1000)
    run.add("dense attention (in dense sampling)", dense_hook.attention_ms / 1000)
    dense = video_frames(dense_video.numpy())
    if submission.method is None:
        sparse, records = dense, ()
    else:
        hook = MethodHook(submission=submission, geometry=geometry, seed=sampling, measure=True)
        sparse_video, sparse_ms = _sample(model, seed, label, steps, hook)
        sparse, records = video_frames(sparse_video.numpy()), tuple(hook.records)
        run.add("method sampling", (sparse_ms - hook.measure_ms) / 1000)
        run.add("method attention (in method sampling)", hook.attention_ms / 1000)
        run.add("estimator (in method sampling)", hook.estimator_ms / 1000)
        run.add("per-call measuring (dense reference, density)", hook.measure_ms / 1000)
        timed = TimedPair(dense_ms, sparse_ms - hook.measure_ms, dense_hook.attention_ms, hook.attention_ms,
                          hook.estimator_ms)  # fmt: skip
    start = time.perf_counter()
    quality = video_quality(sparse, dense)
    run.add("video metrics", time.perf_counter() - start)
    return VideoResult(index, seed, label, quality, records, dense, sparse), timed


def phase_run(
    *, model: VideoDiT, submission: VditSubmission, videos: tuple[tuple[int, int], ...], steps: int,
    sampling: int, repeats: int, progress: ProgressFn,
) -> E2eRun:  # fmt: skip
    """Every video sampled densely, then with the method (measuring each call), and the speed.

    Speed: the first video's pair warms up; every later video's pair is timed, and the first video is
    sampled again both ways (nothing measured in the hooks) until ``repeats`` pairs are timed."""
    run, geometry = E2eRun(), model_geometry(model)
    pairs: list[TimedPair] = []
    for index, video in enumerate(videos):
        progress(index / (len(videos) + 1), f"video {index + 1} of {len(videos)}")
        result, timed = _video_run(run, model, submission, geometry, index, video, steps, sampling)
        run.videos.append(result)
        extra = repeats - (len(videos) - 1)
        if timed is not None and index == 0 and extra > 0:
            progress(1 / (len(videos) + 1), "timing dense and sparse sampling on video 1")
            start = time.perf_counter()
            pairs += speed_rounds(model=model, submission=submission, video=videos[0], steps=steps,
                                  sampling=sampling, repeats=extra)  # fmt: skip
            run.add("timed rounds", time.perf_counter() - start)
        elif timed is not None and index > 0:
            pairs.append(timed)
    if pairs:
        run.speed = s = SpeedResult.of(pairs)
        run.log.append(
            f"timed pairs: {s.rounds} (after a warm-up); medians: dense sampling"
            f" {s.dense_sampling_ms:.0f} ms, method sampling {s.method_sampling_ms:.0f} ms"
        )
    run.log.append("time (s): " + ", ".join(f"{name} {secs:.1f}" for name, secs in run.seconds.items()))
    progress(1.0, "sampled")
    return run
