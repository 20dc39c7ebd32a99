"""The vdit-e2e benchmark's spec: phases, the JSON config submissions, and its metrics."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping

from evaluator.contract import BenchmarkSpec, MetricSpec, PhaseSpec, SubmissionFormat, SubmissionKind

from ..vdit.dit.heads_record import heads_record_read, heads_text
from ..vdit.dit.model import DiTConfig
from ..vdit.submission import DENSE, VIDEO_METHODS
from .phases import CALIBRATION_FILE, DEV_FILE, PHASE_PLANS, PhasePlan, phase_frames
from .real_phase import REAL_ITEM_METRICS, real_phase_enabled, real_phase_spec

SLUG = "vdit-e2e"
#: 2: published calibration videos (calibration_seeds.json, apart from the dev videos) for Sparse-vDiT's
#: offline search, which ran on the dev videos before (dev was in-sample).
#: 3: the test-long phase (hidden seeds of its own, videos 4 times the training length, needs a GPU).
#: 4: the hidden seeds of test-real (a local Wan2.1 model's phase, hosted where one is configured).
VERSION = "4"
WEIGHTS_FILE = "weights.safetensors"
PUBLIC_PATHS = ("README.md", DEV_FILE, CALIBRATION_FILE, WEIGHTS_FILE, "sample_config.json")
CONFIG_MAX_BYTES = 64 * 1024
#: Shown on demand after the headline columns.
DETAIL = frozenset({"sparsity", "estimator_share", "attention_share", "ssim_svg_lo", "ssim_svg_hi",
                    "ssim_lo", "ssim_hi", "lpips_lo", "lpips_hi"})  # fmt: skip
_FRAMES = "per frame of the 8-bit frames (values in [0, 1]) of the sparse video against the dense one,"
_INTERVAL = "end of the bootstrap 95% interval of the mean, resampling the videos"
_SSIM_WANG = (
    "SSIM (Wang 2004, the project's convention): Gaussian window of 11 taps (sigma 1.5), 'reflect' borders,"
    " mean without the 5-pixel border, per RGB channel then averaged (= scikit-image's"
    " structural_similarity with gaussian_weights=True, use_sample_covariance=False, data_range=1),"
)
_SSIM_SVG = (
    "SSIM (Sparse-VideoGen's convention, svg/utils/metric.py): 11 x 11 uniform window, zero padding"
    " counted in the window's mean, no border crop, mean over the map and the 3 channels,"
)


def _metric(name: str, label: str, unit: str, higher: bool, fmt: str, text: str) -> MetricSpec:
    """One MetricSpec (positional shorthand)."""
    return MetricSpec(name=name, label=label, unit=unit, higher_is_better=higher, fmt=fmt, description=text)


def _quality(name: str, label: str, unit: str, higher: bool, fmt: str, text: str) -> list[MetricSpec]:
    """A quality metric and the two ends of its interval."""
    return [
        _metric(name, label, unit, higher, fmt, f"{text} {_FRAMES} averaged over frames and videos"),
        _metric(f"{name}_lo", f"{label} 95% low", unit, higher, fmt, f"Lower {_INTERVAL}"),
        _metric(f"{name}_hi", f"{label} 95% high", unit, higher, fmt, f"Upper {_INTERVAL}"),
    ]


def e2e_metrics() -> tuple[MetricSpec, ...]:
    """Video quality with intervals, then speed, density and the attention error."""
    metrics = [
        *_quality("psnr", "PSNR", "dB", True, "{:.2f}",
                  "PSNR = 10 log10(1 / MSE), data range 1, capped at 100 dB per frame (identical frames),"),
        *_quality("ssim", "SSIM (Wang 2004)", "SSIM", True, "{:.4f}", _SSIM_WANG),
        *_quality("ssim_svg", "SSIM (Sparse-VideoGen)", "SSIM", True, "{:.4f}", _SSIM_SVG),
        *_quality("lpips", "LPIPS", "LPIPS", False, "{:.4f}",
                  "LPIPS v0.1 with the AlexNet trunk, frames scaled to [-1, 1] (Sparse-VideoGen's released"
                  " code uses the VGG trunk and passes its [0, 1] frames unscaled: compare trends, not"
                  " values),"),
        _metric("e2e_speedup", "End-to-end speedup", "x", True, "{:.2f}",
                "Dense over sparse sampling wall time (all steps, the whole model), medians over at least"
                " 5 timed pairs in the scoring job: each video after the first sampled densely, then with"
                " the method (the harness's per-call measuring taken out of its wall), and the first"
                " video sampled again both ways until 5 pairs are timed; the first video's pair warms up"),
        _metric("speedup", "Attention speedup", "x", True, "{:.2f}",
                "Dense attention time over the method's (estimator + sparse attention), summed over every"
                " call of a sampling, medians over the same timed pairs"),
        _metric("estimator_share", "Estimator share", "fraction", False, "{:.3f}",
                "The estimator's share of the method's attention time"),
        _metric("attention_share", "Attention share (dense)", "fraction", False, "{:.3f}",
                "Dense attention's share of the dense sampling time: the ceiling on end-to-end gains"),
        _metric("density", "Density", "fraction", False, "{:.3f}",
                "Work executed over dense attention as the harness counts it from what the method chose"
                " (whole tiles, pyramid level h at 2^-(h-1), BLADE's global tokens; PSA's dense warm-up"
                " steps at 1), averaged over every step and layer"),
        _metric("sparsity", "Sparsity", "fraction", True, "{:.3f}", "1 - density"),
        _metric("rel_l2", "Attention error", "rel. L2", False, "{:.4f}",
                "Relative L2 error of each layer's attention output against dense attention on the same"
                " inputs, along the sparse sampling trajectory, averaged over steps, layers and videos"),
    ]  # fmt: skip
    return tuple(dataclasses.replace(m, detail=m.name in DETAIL) for m in metrics)


def _item_metric(name: str, label: str) -> MetricSpec:
    """A timing figure of the timed video's item."""
    return _metric(name, label, "ms", False, "{:.0f}", f"{label}: median over the timed pairs")


def _phase_text(plan: PhasePlan) -> str:
    """A phase's description: its videos, their length and tokens, its seeds, its device."""
    trained = DiTConfig()  # the shape of the shipped weights
    config = dataclasses.replace(trained, frames=phase_frames(plan, trained=trained.frames))
    longer = (
        f" ({plan.length} times the {trained.frames} frames the model trained on: the same weights, the 3-D"
        " RoPE on the longer grid)"
        if plan.length > 1
        else ""
    )
    return (
        f"{plan.videos} videos (classes cycling through the 4 shapes) of {config.frames} frames ="
        f" {config.tokens:,} tokens{longer}, {plan.steps} Euler steps, each sampled densely and with the"
        " method from the same noise;"
        + (" noise seeds hidden (from the deployment secret)." if plan.hidden else " seeds published.")
        + (
            " Needs a GPU worker (not yet timed on a GPU: the job samples on the worker's CPU threads)."
            if plan.needs_gpu
            else ""
        )
    )


def e2e_spec(*, environ: Mapping[str, str] = os.environ) -> BenchmarkSpec:
    """The whole spec: two CPU phases, test-long and (only where ``environ`` names a local Wan model)
    test-real, which need a GPU worker; PSNR ranks, PSNR against end-to-end speedup is the Pareto plot."""
    phases = tuple(
        PhaseSpec(
            slug=plan.slug,
            title=plan.title,
            description=_phase_text(plan),
            public_paths=PUBLIC_PATHS,
            max_upload_bytes=CONFIG_MAX_BYTES,
            needs_gpu=plan.needs_gpu,
        )
        for plan in PHASE_PLANS
    )
    if real_phase_enabled(environ=environ):
        phases += (real_phase_spec(public_paths=PUBLIC_PATHS, max_upload_bytes=CONFIG_MAX_BYTES),)
    methods = ", ".join((DENSE, *VIDEO_METHODS))
    heads = heads_record_read()
    labels = [h.label for h in heads.heads]
    return BenchmarkSpec(
        slug=SLUG,
        version=VERSION,
        title="Video DiT sparse attention (end to end)",
        description=(
            "The end-to-end track of the video DiT benchmark: our own small video diffusion transformer"
            " (evaluator/benchmarks/vdit/dit: 4 layers x 4 heads, 1.3 M parameters, 3-D patches and RoPE,"
            " adaLN on time and class, 8 frames of 32 x 32 pixels = 2,048 tokens; test-long samples 32"
            " frames, 8,192 tokens, with the same weights) samples each video densely and with the submitted"
            " method (Sparse-vDiT, PSA, BLADE through the project's kernels) from the"
            " same noise, and the sparse video is scored against the dense one (PSNR, two SSIM conventions,"
            " LPIPS), with the density the harness counts and the speedups measured in the job. Read the"
            " figures with the model in mind: it trained 38 minutes on one CPU thread on procedural videos"
            f" and is far from converged, and {labels.count('diffuse')} of its {len(labels)} heads are"
            f" diffuse ({len(labels) - labels.count('diffuse')} structured; each head in the full"
            " description), so it is not a model with the structured heads the methods were designed for."
            " A scoring job runs on one CPU thread (the speedups are those of our CPU kernels on one thread,"
            " against dense SDPA on one thread; dense attention's share of a dense sampling is published"
            " with them)."
            "\n\n" + heads_text(heads)
        ),
        phases=phases,
        formats=(
            SubmissionFormat(
                kind=SubmissionKind.CONFIG,
                description=(
                    f'JSON {{"method": one of {methods}, "preset": name?, "params": {{...}}}}, as on the'
                    ' kernel-level track (vdit); Sparse-vDiT\'s "plan" gives the head modes of every'
                    " (step, layer) call of the sampling, checked against the model's steps, layers and"
                    ' heads; or its "search": {"lam": 0.5, "eps": 1, "scaled": false} (each optional) has the'
                    " scorer run the paper's offline search on the published calibration videos before the"
                    " sampling (its time logged apart, in no speedup)"
                ),
            ),
        ),
        metrics=e2e_metrics(),
        item_metrics=(
            _item_metric("dense_sampling_ms", "Dense sampling"),
            _item_metric("sampling_ms", "Method sampling"),
            _item_metric("dense_attention_ms", "Dense attention"),
            _item_metric("attention_ms", "Method attention"),
            _item_metric("estimator_ms", "Estimator"),
            *REAL_ITEM_METRICS,
        ),  # fmt: skip
        ranking_metric="psnr",
        pareto_axes=("e2e_speedup", "psnr"),
        soft_time_limit_s=1800,
        rescore_on_new_data=True,
    )
