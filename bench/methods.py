"""Measure method configs through the harness (kernels/harness.py) on a synthetic video workload.

Usage: .venv/bin/python bench/methods.py [--frames 8 --height 32 --width 32 --text 0] [--repeats 5]
                                         [--config my_method.json ...]
Without --config, every method runs with its default settings (the papers' parameters). A config
file holds {"method": ..., "params": {...}}, as a submission would. Decode methods (Quest, SnapKV,
Ada-SnapKV) serve the workload's last --decode queries over the whole sequence as the cache. The
long-context methods run on the same video-like workload, so their figures describe that workload
only. Prints one markdown row per config: what the harness measured, never what the method claims.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.kernels import hardware_fingerprint, load_average  # noqa: E402
from kernels.harness import MethodMeasurement, VideoGeometry, method_measure  # noqa: E402
from kernels.method_config import EVICTION_METHODS, METHOD_NAMES, ConfigError, method_config_parse  # noqa: E402
from kernels.workloads import WorkloadSpec, workload_generate  # noqa: E402

HEADER = (
    "| method | settings | density | rel L2 to dense | cosine | mass recall | estimator ms | attention ms "
    "| dense ms | speedup (whole) | attention % of 1/density | load |\n"
    "|---|---|---|---|---|---|---|---|---|---|---|---|"
)


def row(m: MethodMeasurement, settings: dict) -> str:
    """One markdown row of a measurement."""
    recall = "n/a (evicts keys)" if m.mass_recall is None else f"{m.mass_recall:.3f}"
    ideal = 100.0 * m.kernel_speedup * m.density
    shown = json.dumps(settings) if settings else "defaults"
    whole = "n/a (evicts once per prompt)" if m.method in EVICTION_METHODS else f"{m.speedup:.2f}x"
    return (
        f"| {m.method} | {shown} | {m.density:.3f} | {m.rel_l2:.3f} "
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
    ap.add_argument("--dim", type=int, default=64)
    ap.add_argument("--decode", type=int, default=16, help="decode queries for Quest and SnapKV")
    ap.add_argument("--temperature", type=float, default=0.5)
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
    )
    work = workload_generate(spec=spec)
    geometry = VideoGeometry(args.frames, args.height, args.width, args.text)
    decode_q = work.q[:, :, -args.decode :].contiguous()
    print(f"Machine: {hardware_fingerprint()}")
    print(f"Command: bench/methods.py {' '.join(sys.argv[1:])}".rstrip())
    print(
        f"\nWorkload: {spec.frames}x{spec.height}x{spec.width} video tokens + {spec.text_tokens} text "
        f"(N={spec.n_tokens}), heads {', '.join(spec.heads)}, d={spec.head_dim}, temperature "
        f"{spec.temperature}, float32, {torch.get_num_threads()} threads; median of {args.repeats} "
        "interleaved repeats after a warm-up\n"
    )
    print(HEADER)
    for line in measured_rows(configs, work=work, geometry=geometry, decode_q=decode_q, repeats=args.repeats):
        print(line, flush=True)


def measured_rows(configs: list, *, work, geometry: VideoGeometry, decode_q: torch.Tensor, repeats: int):
    """One table row per config (a refused config gets a row saying why), measured on ``work``'s device."""
    for data in configs:
        try:
            config = method_config_parse(data)
        except ConfigError as exc:
            yield f"| {data.get('method', '?') if isinstance(data, dict) else '?'} | refused: {exc} |"
            continue
        m = method_measure(
            config, q=work.q, k=work.k, v=work.v, decode_q=decode_q, geometry=geometry, repeats=repeats
        )
        yield row(m, dict(config.settings))


if __name__ == "__main__":
    main()
