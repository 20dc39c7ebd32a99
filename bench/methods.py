"""Measure method configs through the harness (kernels/harness.py) on synthetic workloads.

Usage: .venv/bin/python bench/methods.py [--frames 8 --height 32 --width 32 --text 0]
                                         [--text-tokens 8192] [--repeats 5] [--config my.json ...]
Without --config, every method runs with its default settings (the papers' parameters). A config
file holds {"method": ..., "params": {...}}, as a submission would. The video methods (Sparse-vDiT,
PSA, BLADE, Sparse-VideoGen, the 3-D window) run on a synthetic video workload (kernels/workloads.py);
the long-context methods on a synthetic causal text workload (kernels/workloads_text.py: local,
sink, vertical, slash and retrieval heads). Decode methods (Quest, SnapKV, Ada-SnapKV) decode the
last --decode tokens one step at a time after the prompt before them (kernels/decode.py); times are
summed over the steps.
Prints one markdown row per config: what the harness measured, never what the method claims.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.kernels import hardware_fingerprint, load_average  # noqa: E402
from kernels.harness import VIDEO_GEOMETRY_METHODS, MethodMeasurement, VideoGeometry, method_measure  # noqa: E402
from kernels.method_config import EVICTION_METHODS, METHOD_NAMES, ConfigError, method_config_parse  # noqa: E402
from kernels.methods.vdit import VditParams, vdit_search_heads  # noqa: E402
from kernels.workloads import WorkloadSpec, workload_generate  # noqa: E402
from kernels.workloads_text import TextWorkloadSpec, text_workload_generate  # noqa: E402

VIDEO_METHODS = VIDEO_GEOMETRY_METHODS

HEADER = (
    "| method | settings | density | density (Sparse Frontier count) | rel L2 to dense | rel L2 per head "
    "| cosine | mass recall | estimator ms | attention ms | dense ms | speedup (whole) "
    "| attention % of 1/density | load |\n"
    "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
)


def row(m: MethodMeasurement, settings: dict) -> str:
    """One markdown row of a measurement."""
    recall = "n/a (evicts keys)" if m.mass_recall is None else f"{m.mass_recall:.3f}"
    ideal = 100.0 * m.kernel_speedup * m.density
    shown = json.dumps(settings) if settings else "defaults"
    reference = "n/a" if m.density_reference is None else f"{m.density_reference:.3f}"
    whole = "n/a (evicts once per prompt)" if m.method in EVICTION_METHODS else f"{m.speedup:.2f}x"
    return (
        f"| {m.method} | {shown} | {m.density:.3f} | {reference} | {m.rel_l2:.3f} "
        f"| {' / '.join(f'{e:.3f}' for e in m.rel_l2_per_head)} "
        f"| {m.cosine:.3f} | {recall} | {m.estimator.median_ms:.1f} | {m.attention.median_ms:.1f} "
        f"({m.attention.min_ms:.1f}-{m.attention.max_ms:.1f}) | {m.dense.median_ms:.1f} | {whole} "
        f"| {ideal:.0f}% | {load_average()} |"
    )


def configs_from(paths: list[Path]) -> list[dict]:
    """The configs to measure: each file's JSON, or every method with its defaults."""
    if not paths:
        return [{"method": name} for name in METHOD_NAMES]
    configs = []
    for path in paths:
        try:
            configs.append(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, json.JSONDecodeError) as exc:
            sys.exit(f"{path}: {exc}")
    return configs


def main() -> None:
    """Build the workload, measure each config, print the table."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--frames", type=int, default=8)
    ap.add_argument("--height", type=int, default=32)
    ap.add_argument("--width", type=int, default=32)
    ap.add_argument("--text", type=int, default=0, help="text tokens after the video tokens")
    ap.add_argument("--text-tokens", type=int, default=8192, help="length of the long-context workload")
    ap.add_argument("--dim", type=int, default=64)
    ap.add_argument("--decode", type=int, default=16, help="decode queries for Quest and SnapKV")
    ap.add_argument("--temperature", type=float, default=0.5)
    ap.add_argument(
        "--value-scale",
        type=float,
        default=8.0,
        help="video values' scale (Sparse-vDiT's search weighs MSE against lambda (1 - sparsity))",
    )
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--config", type=Path, nargs="*", default=[])
    args = ap.parse_args()
    configs = configs_from(args.config)
    spec = WorkloadSpec(
        frames=args.frames,
        height=args.height,
        width=args.width,
        text_tokens=args.text,
        head_dim=args.dim,
        temperature=args.temperature,
        value_scale=args.value_scale,
    )
    text_spec = TextWorkloadSpec(n_tokens=args.text_tokens, head_dim=args.dim, temperature=args.temperature)
    print(f"Machine: {hardware_fingerprint()}")
    print(f"Command: bench/methods.py {' '.join(sys.argv[1:])}".rstrip())
    print(
        f"\nfloat32, {torch.get_num_threads()} threads; median of {args.repeats} interleaved repeats after "
        f"a warm-up; decode methods decode the last {args.decode} tokens step by step"
    )
    lines = method_tables(
        configs, video_spec=spec, text_spec=text_spec, decode=args.decode, repeats=args.repeats
    )
    for line in lines:
        print(line, flush=True)


def method_tables(
    configs: list,
    *,
    video_spec: WorkloadSpec,
    text_spec: TextWorkloadSpec,
    decode: int,
    repeats: int,
    device: torch.device | None = None,
):
    """The lines of both tables: video methods on the video workload, the others on the text one."""
    device = device or torch.device("cpu")
    if {"method": "sparse_vdit"} in configs:  # Sparse-vDiT as designed: per-head modes from a search
        at = configs.index({"method": "sparse_vdit"}) + 1
        configs = [*configs[:at], searched_vdit_config(video_spec), *configs[at:]]
    tables = (
        (
            f"Video workload: {video_spec.frames}x{video_spec.height}x{video_spec.width} video tokens + "
            f"{video_spec.text_tokens} text (N={video_spec.n_tokens}), heads {', '.join(video_spec.heads)}, "
            f"d={video_spec.head_dim}",
            lambda: workload_generate(spec=video_spec),
            VideoGeometry(video_spec.frames, video_spec.height, video_spec.width, video_spec.text_tokens),
            [c for c in configs if is_video(c)],
        ),
        (
            f"Long-context workload (causal): N={text_spec.n_tokens}, heads {', '.join(text_spec.heads)}, "
            f"d={text_spec.head_dim}",
            lambda: text_workload_generate(spec=text_spec),
            None,
            [c for c in configs if not is_video(c)],
        ),
    )
    for title, build, geometry, chosen in tables:
        if not chosen:
            continue
        yield from ("", title, "", *HEADER.split("\n"))
        work = build()
        work = dataclasses.replace(work, q=work.q.to(device), k=work.k.to(device), v=work.v.to(device))
        yield from measured_rows(chosen, work=work, geometry=geometry, decode=decode, repeats=repeats)


def searched_vdit_config(video_spec: WorkloadSpec) -> dict:
    """A Sparse-vDiT config whose head modes come from the offline search on a calibration workload
    (the next seed), as the method intends: the measured inputs themselves are never searched."""
    calibration = workload_generate(spec=dataclasses.replace(video_spec, seed=video_spec.seed + 1))
    params = VditParams(
        frames=video_spec.frames, frame_tokens=video_spec.frame_tokens, text_tokens=video_spec.text_tokens
    )
    found = vdit_search_heads(calibration.q, calibration.k, calibration.v, params=params)
    return {"method": "sparse_vdit", "params": {"head_modes": list(found.modes)}}


def is_video(config) -> bool:
    """Whether a config names one of the video methods (run on the video workload)."""
    return isinstance(config, dict) and config.get("method") in VIDEO_METHODS


def measured_rows(configs: list, *, work, geometry: VideoGeometry | None, decode: int, repeats: int):
    """One table row per config (a refused config gets a row saying why), measured on ``work``'s device."""
    for data in configs:
        try:
            config = method_config_parse(data)
        except ConfigError as exc:
            yield f"| {data.get('method', '?') if isinstance(data, dict) else '?'} | refused: {exc} |"
            continue
        m = method_measure(
            config, q=work.q, k=work.k, v=work.v, decode_steps=decode, geometry=geometry, repeats=repeats
        )
        settings = {"preset": config.preset, **config.settings} if config.preset else dict(config.settings)
        if config.target_sparsity is not None:
            settings.update(target_sparsity=config.target_sparsity, chosen=m.budget)
        yield row(m, settings)


if __name__ == "__main__":
    main()
