"""The sandbox's cost per submission and per call, against calling the same selection in-process.

Usage: .venv/bin/python bench/sandbox.py [--tokens 8192] [--heads 8] [--dim 64] [--starts 3] [--calls 20]
Start-up: from launching bubblewrap until the submission is imported and ready (the child imports
torch), median of --starts; and its second part alone, the load: handing the upload to a sandbox
warmed ahead (``SandboxedMethod.warm``) until it is imported; and what a submission waits for on a
worker, whose pool process keeps a spare warmed ahead (``evaluator/sandbox/spare.py``): from taking
the spare to ready, once the spare is warm (median of --starts). Per call, at --tokens tokens (q, k
float32 [1, heads, tokens, dim]):
the selection called in this process, then the sandbox's round trip seen from outside (request,
select, answer written to shared memory, reply), interleaved, medians after 3 warm-up calls; the
overhead per call is the round trip less select's own time as the child reports it (its clock). The
hand-over (copying q and k into shared memory) and the answer check (copying it out, checking it in
full, building the BlockLayout) are the platform's costs and are not counted in a method's time:
they are printed apart.
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import sys
import tempfile
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.kernels import hardware_fingerprint, load_average  # noqa: E402
from evaluator.sandbox import SandboxedMethod, SandboxSpec, sandbox_available  # noqa: E402
from evaluator.sandbox.answer import LayoutGeometry, answer_layout  # noqa: E402
from evaluator.sandbox.measure import selection_info  # noqa: E402
from evaluator.sandbox.spare import sandbox_take, spare_disable, spare_enable  # noqa: E402
from evaluator.sandbox.upload import submission_files  # noqa: E402

SELECTIONS = {
    "diagonal (1 block per row)": '''
import torch

def select(q, k, *, causal, block_size, layer, step, geometry):
    b, h, n, _ = q.shape
    n_q = n // block_size[0]
    idx = torch.arange(n_q, dtype=torch.int32).view(1, 1, n_q, 1).expand(b, h, n_q, 1).contiguous()
    return {"kv_num_blocks": torch.ones(b, h, n_q, dtype=torch.int32), "kv_indices": idx}
''',
    "block top-k (reference, top 16)": '''
from kernels.methods.block_topk import BlockTopkParams, block_topk_build_layout

def select(q, k, *, causal, block_size, layer, step, geometry):
    layout = block_topk_build_layout(q, k, BlockTopkParams(block_size=block_size[0], top_k=16))
    return {"kv_num_blocks": layout.kv_num_blocks, "kv_indices": layout.kv_indices}
''',
}


def _median_ms(values: list[float]) -> str:
    """Median (min-max) in milliseconds."""
    return f"{statistics.median(values):.2f} ({min(values):.2f}-{max(values):.2f})"


def _spare_start_ms(path: Path) -> float:
    """Milliseconds from taking the worker's warm spare to the submission ready (the spare warmed first)."""
    spare_enable()
    method, ahead = sandbox_take(files=submission_files(path=path))  # waits for the spare's warm-up
    spare_disable()
    if not ahead:
        raise SystemExit("no spare was warmed")
    t = time.perf_counter()
    method.start()
    elapsed = (time.perf_counter() - t) * 1000
    method.close()
    return elapsed


def main() -> None:
    """Print the start-up and per-call tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tokens", type=int, default=8192)
    parser.add_argument("--heads", type=int, default=8)
    parser.add_argument("--dim", type=int, default=64)
    parser.add_argument("--block", type=int, default=64)
    parser.add_argument("--starts", type=int, default=3)
    parser.add_argument("--calls", type=int, default=20)
    args = parser.parse_args()
    ok, why = sandbox_available()
    if not ok:
        raise SystemExit(f"sandbox unavailable: {why}")
    torch.manual_seed(0)
    q, k = (torch.randn(1, args.heads, args.tokens, args.dim) for _ in range(2))
    spec = SandboxSpec(threads=torch.get_num_threads())
    info = selection_info(causal=True, block_size=(args.block, args.block), layer=0, step=None, geometry=None)
    geometry = LayoutGeometry(batch=1, heads=args.heads, q_len=args.tokens, kv_len=args.tokens,
                              block_size=(args.block, args.block), causal=True)  # fmt: skip
    shape = f"[1, {args.heads}, {args.tokens}, {args.dim}]"
    print(f"{hardware_fingerprint()}; load {load_average()}; q, k {shape}; blocks of {args.block}")
    print("\n| selection | cold start-up s | load into a warm sandbox ms | with the worker's spare ms "
          "| in-process import ms | in-process call ms | sandbox round trip ms "
          "| select inside ms | overhead per call ms | hand-over ms (not counted) "
          "| answer check ms (not counted) |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for name, source in SELECTIONS.items():
            path = Path(tmp) / "submission.py"
            path.write_text(source)
            t = time.perf_counter()
            loader = importlib.util.spec_from_file_location(f"bench_sel_{len(name)}", path)
            module = importlib.util.module_from_spec(loader)
            loader.loader.exec_module(module)
            import_ms = (time.perf_counter() - t) * 1000
            starts, loads, inproc, trips, inside, hand, check = [], [], [], [], [], [], []
            for _ in range(args.starts):
                method = SandboxedMethod(files=submission_files(path=path), spec=spec)
                starts.append(method.start())
                loads.append(method.load_s * 1000)
                method.close()
            spares = [_spare_start_ms(path) for _ in range(args.starts)]
            with SandboxedMethod(files=submission_files(path=path), spec=spec) as method:
                for i in range(args.calls + 3):
                    t = time.perf_counter()
                    module.select(q, k, **info)
                    own = (time.perf_counter() - t) * 1000
                    t = time.perf_counter()
                    method.input.write({"q": q, "k": k})
                    staged = (time.perf_counter() - t) * 1000
                    arrays = method.call(q=q, k=k, info=info)
                    if i >= 3:
                        inproc.append(own)
                        trips.append(method.last_round_trip_ms)
                        inside.append(method.last_inside_ms)
                        hand.append(staged)
            for _ in range(5):  # apart: the layout's checks run single-threaded, and changing torch's
                t = time.perf_counter()  # thread count slows the next parallel call in this process
                answer_layout(arrays=arrays, geometry=geometry)
                check.append((time.perf_counter() - t) * 1000)
            overhead = [t - o for t, o in zip(trips, inside, strict=True)]
            print(f"| {name} | {statistics.median(starts):.2f} ({min(starts):.2f}-{max(starts):.2f}) "
                  f"| {_median_ms(loads)} | {_median_ms(spares)} "
                  f"| {import_ms:.1f} | {_median_ms(inproc)} | {_median_ms(trips)} | {_median_ms(inside)} "
                  f"| {_median_ms(overhead)} "
                  f"| {_median_ms(hand)} | {_median_ms(check)} |")  # fmt: skip


if __name__ == "__main__":
    main()
