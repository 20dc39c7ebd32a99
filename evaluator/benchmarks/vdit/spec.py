"""The vdit benchmark's spec: phases, the config and code submissions, and its metrics."""

from __future__ import annotations

import dataclasses

from evaluator.contract import BenchmarkSpec, MetricSpec, PhaseSpec, SubmissionFormat, SubmissionKind
from evaluator.sandbox.session import CODE_SUFFIXES

from .model import MODEL_FILE
from .phases import DEV_FILE, PHASE_PLANS
from .report import PATTERNS
from .submission import DENSE, VIDEO_METHODS

SLUG = "vdit"
VERSION = "1"
PUBLIC_PATHS = ("README.md", DEV_FILE, MODEL_FILE, "sample_config.json", "sample_submission.py")
CODE_MAX_BYTES = 1024 * 1024
#: Shown on demand after the headline columns (error, its interval, worst pattern, density, recall, speed).
DETAIL = frozenset(
    {"sparsity", "cosine", "kernel_speedup", "estimator_share", *(f"rel_l2_{p}" for p in PATTERNS)}
)


def _metric(name: str, label: str, unit: str, higher: bool, fmt: str, text: str) -> MetricSpec:
    """One MetricSpec (positional shorthand)."""
    return MetricSpec(name=name, label=label, unit=unit, higher_is_better=higher, fmt=fmt, description=text)


def vdit_metrics() -> tuple[MetricSpec, ...]:
    """Output error (with its interval and per head pattern), recall, density, then the speed figures."""
    metrics = [
        _metric(
            "rel_l2",
            "Attention error",
            "rel. L2",
            False,
            "{:.4f}",
            "Relative L2 error of each head's attention output against dense attention on the same"
            " inputs (||O - O_dense|| / ||O_dense||), averaged over heads, layers and seeds",
        ),
        _metric(
            "rel_l2_lo",
            "Error 95% low",
            "rel. L2",
            False,
            "{:.4f}",
            "Lower end of the bootstrap 95% interval of the mean error, resampling the seeds",
        ),
        _metric(
            "rel_l2_hi",
            "Error 95% high",
            "rel. L2",
            False,
            "{:.4f}",
            "Upper end of the bootstrap 95% interval of the mean error, resampling the seeds",
        ),
        _metric(
            "rel_l2_worst",
            "Worst-pattern error",
            "rel. L2",
            False,
            "{:.4f}",
            "The highest of the per-pattern mean errors",
        ),
        _metric(
            "density",
            "Density",
            "fraction",
            False,
            "{:.3f}",
            "Work executed over dense attention as the harness counts it from the layout: whole tiles,"
            " pyramid level h at 2^-(h-1), key-token strips; BLADE's global tokens included",
        ),
        _metric("sparsity", "Sparsity", "fraction", True, "{:.3f}", "1 - density"),
        _metric(
            "mass_recall",
            "Mass recall",
            "fraction",
            True,
            "{:.3f}",
            "Share of the dense attention probability mass inside the executed blocks",
        ),
        _metric(
            "cosine",
            "Cosine similarity",
            "cosine",
            True,
            "{:.4f}",
            "Cosine similarity of the sparse and dense attention outputs",
        ),
        _metric(
            "speedup",
            "Attention speedup",
            "x",
            True,
            "{:.2f}",
            "Dense over sparse attention time with the estimator (or the submitted code's selection,"
            " timed from outside its sandbox), medians of 5 interleaved rounds after a warm-up, summed"
            " over every layer's call of the first seed of each length",
        ),
        _metric("kernel_speedup", "Kernel speedup", "x", True, "{:.2f}", "Dense over sparse attention alone"),
        _metric(
            "estimator_share",
            "Estimator share",
            "fraction",
            False,
            "{:.3f}",
            "The estimator's (or selection's) share of the method's time",
        ),
    ]
    for pattern in PATTERNS:
        metrics.append(_metric(f"rel_l2_{pattern}", f"Error {pattern.replace('_', '-')}", "rel. L2", False,
                               "{:.4f}", f"Mean error of the {pattern.replace('_', '-')} heads"))  # fmt: skip
    return tuple(dataclasses.replace(m, detail=m.name in DETAIL) for m in metrics)


def vdit_spec() -> BenchmarkSpec:
    """The whole spec; the test-long phase declares that it needs a GPU."""
    phases = tuple(
        PhaseSpec(
            slug=plan.slug,
            title=plan.title,
            description=(
                f"{plan.seeds} seeds x {len(plan.frames)} length(s) ("
                + ", ".join(f"{plan.tokens(f)} tokens" for f in plan.frames)
                + "), 4 layers x 4 heads each;"
                + (" seeds hidden (from the deployment secret)." if plan.hidden else " seeds published.")
                + (" Needs a GPU worker." if plan.needs_gpu else "")
            ),
            public_paths=PUBLIC_PATHS,
            max_upload_bytes=CODE_MAX_BYTES,
            needs_gpu=plan.needs_gpu,
            accepts_code=True,
        )
        for plan in PHASE_PLANS
    )
    methods = ", ".join((DENSE, *VIDEO_METHODS))
    return BenchmarkSpec(
        slug=SLUG,
        version=VERSION,
        title="Video DiT sparse attention (kernel level)",
        description=(
            "Sparse attention methods for video diffusion transformers (Sparse-vDiT, PSA, BLADE,"
            " Sparse-VideoGen, and a sliding 3-D window as a baseline) on the"
            " attention calls of a synthetic video DiT: frame-major 32 x 32 video tokens plus 128 text"
            " tokens, 4 layers of 4 heads whose patterns (diagonal, multi-diagonal, vertical stripe,"
            " diffuse) are fixed per head and published, with inputs drawn from hidden seeds. Scored:"
            " output error against dense attention (per head pattern), mass recall, the density the"
            " harness counts, and the speedup measured in the job. This is the kernel-level track; the"
            " end-to-end track (our own video DiT sampled densely and sparsely from the same noise,"
            " PSNR/SSIM/LPIPS) is the benchmark vdit-e2e. Its model (evaluator/benchmarks/vdit/dit, 1.3 M"
            " parameters, 2,048 tokens per video) has trained 38 minutes on one CPU thread and is far"
            " from converged, and 13 of its 16 heads are still diffuse (3 attend to a local band): read"
            " its scores with that in mind."
        ),
        phases=phases,
        formats=(
            SubmissionFormat(
                kind=SubmissionKind.CONFIG,
                description=(
                    f'JSON {{"method": one of {methods}, "preset": name?, "params": {{...}}}}; Sparse-vDiT'
                    ' may add "plan": {"calls": [{"step": 0, "layer": l, "modes": [one per head]}]}'
                ),
            ),
            SubmissionFormat(
                kind=SubmissionKind.FILE,
                description=(
                    "Your own selection code: a .py file or a .zip package (at most 1 MiB) defining"
                    " select(q, k, **info) that returns the key blocks each query block attends to;"
                    " run in a sandbox, see sample_submission.py in the bundle"
                ),
                extensions=CODE_SUFFIXES,
                code=True,
            ),
        ),
        metrics=vdit_metrics(),
        item_metrics=tuple(
            _metric(
                f"{step}_ms",
                f"{step.capitalize()} time",
                "ms",
                False,
                "{:.1f}",
                f"Median {step} time of the call over the timed rounds (timed calls only)",
            )
            for step in ("estimator", "attention", "dense")
        ),  # fmt: skip
        ranking_metric="rel_l2",
        pareto_axes=("speedup", "rel_l2"),
        soft_time_limit_s=1200,
        rescore_on_new_data=True,
    )
