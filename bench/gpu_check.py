"""GPU check of the model paths: frontier test-long and vdit-e2e test-long scored dense and with a method on
the device a GPU worker gives them (evaluator.devices.phase_device), timed, in one table.

Usage (a CUDA machine, repository root; bench/gpu_check.sh calls it):
    python bench/gpu_check.py [--out results.md] [--frontier-samples 1] [--frontier-lengths 16384 32768]
        [--frontier-tasks ruler_niah] [--frontier-method '{"method": "block_topk", "target_sparsity": 0.9}']
        [--e2e-videos 2] [--e2e-steps 16] [--e2e-repeats 2] [--e2e-baseline "PSA wan2.1-1.3b"]
    python bench/gpu_check.py --quick   # the same code path on the CPU at a tiny size (tests run it)

Each row scores one submission through the plugin exactly as a worker does (score(): phase_device, the
model on that device, the harness's timers synchronising CUDA) and shows the device the model ran on
(the report's "model on ..." line), every model tensor's device checked, the scoring wall time, the
phase's measured speedups and its quality figure. Seeds come from a throwaway secret. Without CUDA and
without --quick it prints why and exits 2: nothing is measured on a machine that cannot.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from evaluator.benchmarks.frontier.benchmark import FrontierBenchmark, frontier_model  # noqa: E402
from evaluator.benchmarks.frontier.plan import phase_plan as frontier_plan  # noqa: E402
from evaluator.benchmarks.vdit_e2e import VditE2eBenchmark  # noqa: E402
from evaluator.benchmarks.vdit_e2e.baselines import e2e_baselines  # noqa: E402
from evaluator.benchmarks.vdit_e2e.benchmark import WEIGHTS  # noqa: E402
from evaluator.contract import Payload  # noqa: E402
from evaluator.devices import DEVICE_ENV, phase_device, tensors_walk  # noqa: E402
from evaluator.hidden import throwaway_seeds  # noqa: E402

PHASE = "test-long"
DENSE = {"method": "dense"}
FRONTIER_METHOD = '{"method": "block_topk", "target_sparsity": 0.9}'
E2E_BASELINE = "PSA wan2.1-1.3b (warm-up 5 of 16)"
#: --quick: a short frontier prompt (a sparsity it reaches), one sample; one video of one step (a method
#: with no dense warm-up).
QUICK = {"frontier_lengths": [1280], "frontier_samples": 1, "e2e_videos": 1, "e2e_steps": 1, "e2e_repeats": 1,
         "frontier_method": '{"method": "vertical_slash", "target_sparsity": 0.7}',
         "e2e_baseline": "Sparse-vDiT diagonal"}
HEADER = ("| benchmark | phase | submission | model on | tensors on it | wall s | speedup (attention) "
          "| e2e speedup | quality |\n|---|---|---|---|---|---|---|---|---|")  # fmt: skip


@dataclass(frozen=True)
class Row:
    """One scored submission: where its model ran, how long the scoring took, what the report says."""

    benchmark: str
    submission: str
    device: str
    tensors_ok: bool
    wall_s: float
    speedup: float | None
    e2e_speedup: float | None
    quality: str

    def line(self) -> str:
        """The markdown row."""
        fmt = lambda x: "n/a" if x is None else f"{x:.2f}"  # noqa: E731
        return (f"| {self.benchmark} | {PHASE} | {self.submission} | {self.device} | "
                f"{'yes' if self.tensors_ok else 'NO'} | {self.wall_s:.1f} | {fmt(self.speedup)} | "
                f"{fmt(self.e2e_speedup)} | {self.quality} |")  # fmt: skip


def _on(obj: object, device: torch.device) -> bool:
    """Whether every tensor reachable from ``obj`` is on ``device`` (and there is at least one)."""
    found = [t.device for _, t in tensors_walk(obj)]
    return bool(found) and all(d.type == device.type for d in found)


def _logged_device(log: tuple[str, ...]) -> str:
    """The device the report's log says the model ran on."""
    return next((line.removeprefix("model on ") for line in log if line.startswith("model on ")), "?")


def _row(benchmark: str, label: str, bench, payload: Payload, hidden: Path, model, device: torch.device,
         quality) -> Row:  # fmt: skip
    """Score ``payload`` as a worker does; the row (a failure becomes a row saying why: device time is
    scarce, the next row still runs). ``model()``: the model the phase ran, ``quality(metrics)``: its text."""
    start = time.perf_counter()
    try:
        report = bench.score(payload, hidden)
    except Exception as exc:  # noqa: BLE001 (reported in the table, and the exit status)
        why = f"failed: {type(exc).__name__}: {exc}".replace("|", "/")[:300]
        return Row(benchmark, label, "?", False, time.perf_counter() - start, None, None, why)
    wall = time.perf_counter() - start
    m = report.splits["private"].metrics
    return Row(benchmark, label, _logged_device(report.log), _on(model(), device), wall, m.get("speedup"),
               m.get("e2e_speedup"), quality(m))  # fmt: skip


def frontier_rows(args: argparse.Namespace, out: Path) -> list[Row]:
    """Frontier test-long scored dense and with ``args.frontier_method``."""
    bench = FrontierBenchmark(samples=args.frontier_samples, lengths=tuple(args.frontier_lengths),
                              tasks=tuple(args.frontier_tasks))  # fmt: skip
    bench.build(out, seeds=throwaway_seeds(public=0))
    device = phase_device(needs_gpu=frontier_plan(slug=PHASE).needs_gpu, code=False)
    method = json.loads(args.frontier_method)
    return [
        _row("frontier", label, bench, Payload(PHASE, out / "public", config=config), out / "hidden",
             lambda: frontier_model(device), device, lambda m: f"acc_mean {m['acc_mean']:.3f}")
        for label, config in (("dense", DENSE), (json.dumps(method, separators=(",", ":")), method))
    ]  # fmt: skip


def e2e_rows(args: argparse.Namespace, out: Path) -> list[Row]:
    """vdit-e2e test-long scored dense and with the baseline ``args.e2e_baseline``."""
    bench = VditE2eBenchmark(steps=args.e2e_steps, video_count=args.e2e_videos, repeats=args.e2e_repeats,
                             weights=Path(args.e2e_weights))  # fmt: skip
    bench.build(out, seeds=throwaway_seeds(public=0))
    baselines = {b.name: b for b in e2e_baselines()}
    if args.e2e_baseline not in baselines:
        raise SystemExit(f"--e2e-baseline {args.e2e_baseline!r}: one of {', '.join(baselines)}")
    device, hidden = phase_device(needs_gpu=True, code=False), out / "hidden"
    return [
        _row("vdit-e2e", name, bench, baselines[name].make_payload(out / "public", PHASE, out), hidden,
             lambda: bench.phase_model(PHASE, device), device, lambda m: f"PSNR {m['psnr']:.2f} dB")
        for name in ("Dense", args.e2e_baseline)
    ]  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    """Parse the options, score every row, print (and write) the table; 1 where a row failed, 2 where CUDA
    is missing."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="the same path on the CPU at a tiny size")
    parser.add_argument("--out", type=Path, default=None, help="also write the table here")
    parser.add_argument("--frontier-samples", type=int, default=1)
    lengths = list(frontier_plan(slug=PHASE).lengths)
    parser.add_argument("--frontier-lengths", type=int, nargs="+", default=lengths)
    parser.add_argument("--frontier-tasks", nargs="+", default=["ruler_niah"])
    parser.add_argument("--frontier-method", default=FRONTIER_METHOD)
    parser.add_argument("--e2e-videos", type=int, default=2)
    parser.add_argument("--e2e-steps", type=int, default=16)
    parser.add_argument("--e2e-repeats", type=int, default=2)
    parser.add_argument("--e2e-baseline", default=E2E_BASELINE)
    parser.add_argument("--e2e-weights", default=str(WEIGHTS))
    parser.add_argument("--skip", choices=("frontier", "vdit-e2e"), nargs="*", default=[])
    args = parser.parse_args(argv)
    if args.quick:
        os.environ[DEVICE_ENV] = "cpu"
        for name, value in QUICK.items():
            if getattr(args, name) == parser.get_default(name):
                setattr(args, name, value)
    elif not torch.cuda.is_available():
        print("n/a: no CUDA device is visible here (run it on a GPU machine, or --quick on the CPU)")
        return 2
    else:
        os.environ.setdefault(DEVICE_ENV, "cuda")
    where = torch.cuda.get_device_name(0) if not args.quick else f"CPU, {torch.get_num_threads()} threads"
    lines = [f"gpu_check {'--quick ' if args.quick else ''}on {where}, torch {torch.__version__}", "", HEADER]
    print("\n".join(lines), flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        for name, rows_of in (("frontier", frontier_rows), ("vdit-e2e", e2e_rows)):
            if name in args.skip:
                continue
            (Path(tmp) / name).mkdir()
            for row in rows_of(args, Path(tmp) / name):
                lines.append(row.line())
                print(lines[-1], flush=True)
                if args.out is not None:
                    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return 1 if any("| failed: " in line for line in lines) else 0


if __name__ == "__main__":
    sys.exit(main())
