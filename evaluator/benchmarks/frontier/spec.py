"""The frontier benchmark's spec: phases, the JSON method-config submission, and its metrics."""

from __future__ import annotations

import os
from collections.abc import Mapping

from evaluator.contract import BenchmarkSpec, MetricSpec, PhaseSpec, SubmissionFormat, SubmissionKind
from evaluator.sandbox.session import CODE_SUFFIXES

from .curves import frontier_curves
from .hf_phase import HF_ITEM_METRICS, hf_phase_enabled, hf_phase_spec
from .model.protocol import SUPPORTED_TASKS
from .plan import DEV_FILE, PHASE_PLANS
from .registry import TASKS, task_names
from .submission import DENSE, FRONTIER_METHODS

SLUG = "frontier"
#: 2: the wired model solves ruler_vt (third layer), scored beside ruler_niah.
#: 3: a fourth layer and common-word heads: ruler_cwe is scored too (its samples were n/a before); and a
#: chapter head (layer 2) and a story lookup (layer 4): story_retrieval is scored too.
#: 4: a fifth layer and the multihop heads (previous chapter, find the purchase, the item; the story lookup
#: moves to layer 5): story_multihop is scored too (its samples were n/a before).
#: 5: a prefill call's attention error is measured on 256 query rows evenly spaced over the prompt (every
#: row before: the same means within 4% on the model's 4k prompts, docs/FRONTIER_TASKS.md), and the model's
#: projections run compact (the same logits up to float32 rounding).
#: 6: the hidden seeds of test-hf (a local transformers model's phase, hosted where one is configured).
#: 7: test-hf's prefill attention error measured as the built-in model's (`prefill_error` on its 256
#: `error_rows`; every query row before), so both phases' `attn_rel_l2` share one definition; a new data id
#: re-scores test-hf's entries on it (the built-in phases' scoring is unchanged, they are re-scored too).
#: 8: a prompt's broad fixed-offset heads as one convolution each and its heads with few distinct queries
#: as a prefix softmax per query (model/prompt_attention.py); a sample's decode-step errors measured together
#: when it ends, one pass per layer (decode_errors.py): the same figures up to float32 rounding.
VERSION = "8"
PUBLIC_PATHS = ("README.md", DEV_FILE, "sample_config.json", "sample_submission.py")
CODE_MAX_BYTES = 1024 * 1024


def _metric(name: str, label: str, unit: str, higher: bool, fmt: str, text: str) -> MetricSpec:
    """One MetricSpec (positional shorthand)."""
    return MetricSpec(name=name, label=label, unit=unit, higher_is_better=higher, fmt=fmt, description=text)


def frontier_metrics() -> tuple[MetricSpec, ...]:
    """Headline accuracy, measured sparsity and speed, then one accuracy per task."""
    metrics = [
        _metric("acc_worst", "Worst-task accuracy", "accuracy", True, "{:.3f}",
                "The lowest accuracy of the scored tasks (each the mean over lengths and samples)"),
        _metric("acc_mean", "Mean accuracy", "accuracy", True, "{:.3f}", "Mean accuracy of the scored tasks"),
        _metric("sparsity", "Sparsity", "fraction", True, "{:.3f}",
                "1 - density the platform counted: executed tiles and key-token columns over the causal"
                " tiles, all layers, heads and samples (decode methods: kept share of the visible cache"
                " per step); per item: over the calls of that task's samples at that length"),
        _metric("sparsity_ref", "Sparsity (Sparse Frontier count)", "fraction", True, "{:.3f}",
                "The Sparse Frontier's own count: b_q x b_k per block plus b_q per column, over L(L+1)/2;"
                " per item: over that task's samples at that length (n/a for decode methods)"),
        _metric("compression", "Compression ratio", "x", True, "{:.2f}", "1 / (1 - sparsity)"),
        _metric("speedup", "Attention speedup", "x", True, "{:.2f}",
                "The Pareto axis: the prefill speedup for prefill methods, the decode speedup for Quest"
                " and the eviction methods (dense attention: 1)"),
        _metric("prefill_speedup", "Prefill speedup", "x", True, "{:.2f}",
                "Dense over sparse prefill attention time (estimator included), all layers, measured"
                " interleaved in the job once per length on the first task's sample 0 (summed over"
                " lengths); per item: its length's figure, shared by the tasks of that length. n/a for"
                " Quest and the eviction methods, whose prompts are attended densely"),
        _metric("decode_speedup", "Decode speedup", "x", True, "{:.2f}",
                "Dense over sparse decode-step attention time (selection included), all layers, measured"
                " interleaved in the job once per length on the first task's sample 0 (summed over"
                " lengths); per item: its length's figure, shared by the tasks of that length. n/a for"
                " prefill methods, which decode densely"),
        _metric("attn_rel_l2", "Attention error", "rel. L2", False, "{:.3f}",
                "Relative L2 error of each attention output the method computed against dense attention"
                " on the same q, k, v (inside the scored run; a prompt's over 256 query rows evenly spaced"
                " from its first to its last), mean over those calls; per item: over the calls of that"
                " task's samples at that length"),
    ]
    for task in task_names():
        metrics.append(
            _metric(f"acc_{task}", f"Acc {task}", "accuracy", True, "{:.3f}", TASKS[task].summary)
        )
    return tuple(metrics)


def frontier_item_metrics() -> tuple[MetricSpec, ...]:
    """The per-(task, length) values only items have: accuracy with its interval, the harness's convention,
    the counts (items also carry sparsity, sparsity_ref, attn_rel_l2 and the two speedups, declared with
    the entry metrics)."""
    return (
        _metric("acc", "Accuracy", "accuracy", True, "{:.3f}", "Mean score of the samples (unanswered = 0)"),
        _metric("acc_lo", "Acc 95% low", "accuracy", True, "{:.3f}", "Bootstrap 95% interval, low end"),
        _metric("acc_hi", "Acc 95% high", "accuracy", True, "{:.3f}", "Bootstrap 95% interval, high end"),
        _metric("acc_harness", "Acc (harness)", "accuracy", True, "{:.3f}",
                "The harness's mean: unanswered samples of story multihop and filtering left out"),
        _metric("dropped", "Unanswered", "samples", False, "{:.0f}", "Samples without an answer block"),
        _metric("samples", "Samples", "samples", True, "{:.0f}", "Samples scored"),
        _metric("calls", "Attention calls", "calls", True, "{:.0f}",
                "Attention calls counted in the item's sparsity: each layer's prompt calls (prefill methods,"
                " dense), each layer's decode steps (Quest, eviction methods)"),
        *HF_ITEM_METRICS,
    )  # fmt: skip


def frontier_spec(*, environ: Mapping[str, str] = os.environ) -> BenchmarkSpec:
    """The whole spec; test-long and test-hf (only where ``environ`` names a local transformers model)
    declare that they need a GPU."""
    phases = tuple(
        PhaseSpec(
            slug=plan.slug,
            title=plan.title,
            description=(
                f"{plan.samples} samples per task at {', '.join(str(n) for n in plan.lengths)} tokens;"
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
    if hf_phase_enabled(environ=environ):
        phases += (hf_phase_spec(public_paths=PUBLIC_PATHS, max_upload_bytes=CODE_MAX_BYTES),)
    methods = ", ".join((DENSE, *FRONTIER_METHODS))
    return BenchmarkSpec(
        slug=SLUG,
        version=VERSION,
        title="Long-context sparse attention (The Sparse Frontier's tasks)",
        description=(
            "Training-free sparse attention methods run inside a built-in long-context model on the six"
            " controllable tasks of The Sparse Frontier (Nawrot et al., 2025): multi-key needle retrieval,"
            " variable tracking, common-word extraction, and story retrieval, multi-hop and filtering."
            " A submission names a method and its settings, or is the submitter's own selection code (run in"
            " a sandbox); the platform runs it on every attention call"
            " of the model, scores the answers as the harness does, and measures sparsity and speed itself."
            f" Scored today: {', '.join(SUPPORTED_TASKS)}, the tasks the built-in wired model (five GQA"
            " layers wired by construction: copy heads, induction heads, a variable-chain lookup,"
            " common-word heads that count every occurrence, a chapter head, a story lookup and three"
            " multihop reads: the chapter before, the item's purchase, the item bought there) solves"
            " under dense attention; the others are shown as n/a until it does."
        ),
        phases=phases,
        formats=(
            SubmissionFormat(
                kind=SubmissionKind.CONFIG,
                description=(
                    f'JSON {{"method": one of {methods}, "params": {{...}}, "target_sparsity": s}}; params'
                    " as kernels/method_config.py documents them (target_sparsity, optional, replaces the"
                    " method's budget and must be met within 0.01)"
                ),
            ),
            SubmissionFormat(
                kind=SubmissionKind.FILE,
                description=(
                    "Your own selection code: a .py file or a .zip package (at most 1 MiB) defining"
                    " select(q, k, **info) that returns the key blocks of 64 tokens (and single key tokens)"
                    " each query block of 64 attends to on every prefill call, causally; or, with"
                    ' ANSWER = "eviction" in the module, the key positions each KV head keeps after the'
                    " prompt (kept / kept_counts), decoded over as SnapKV's cache; run in a sandbox,"
                    " its time counted in the speedup; see sample_submission.py in the bundle"
                ),
                extensions=CODE_SUFFIXES,
                code=True,
            ),
        ),
        metrics=frontier_metrics(),
        item_metrics=frontier_item_metrics(),
        ranking_metric="acc_worst",
        pareto_axes=("speedup", "acc_worst"),
        curves=frontier_curves(),
        soft_time_limit_s=900,
        rescore_on_new_data=True,
    )
