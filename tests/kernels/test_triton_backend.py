"""Specs: the Triton kernel, run by Triton's CPU interpreter, equals the float64 reference.

Triton picks interpreted or compiled mode for its own library functions when it is first imported,
so TRITON_INTERPRET=1 must be set before ``import triton``. The kernel cases therefore run in child
processes started with that variable (this file run as a script, printing JSON; one per usable CPU,
taking the cases one by one from a shared counter); the tests read their results. Nothing of the
interpreter setting reaches this process or other tests. The error paths need no kernel launch and
run here. The interpreter is slow: shapes are small.
"""

from __future__ import annotations

import fcntl
import importlib.util
import json
import math
import os
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "support"))  # run as a script: the child

import pytest
import torch
from sb_columns import random_columns
from sb_method_cases import CASES as METHOD_CASES
from sb_method_cases import method_case_inputs

from kernels.api import backend_resolve, sparse_attention
from kernels.layout import BlockLayout
from kernels.metrics import attention_error
from kernels.reference import layout_attention_reference

HAS_TRITON = importlib.util.find_spec("triton") is not None
# triton comes with the dev extra: missing it skips here, but fails loudly under CI=true
SKIP_WITHOUT_TRITON = not HAS_TRITON and os.environ.get("CI") != "true"
needs_triton = pytest.mark.skipif(SKIP_WITHOUT_TRITON, reason="triton is not installed (the dev extra)")
TOL = 1e-5
# Half precision, against the float64 reference of the same rounded inputs. On the way the values
# are rounded to the input dtype two or three times (softmax weights before the P.V product, the
# output, and the mean-pooled keys and values of levels > 1), each a relative error of at most the
# unit roundoff u (2**-8 for bfloat16, 2**-11 for float16) when rounding to nearest; the interpreter
# converts float32 to bfloat16 by truncation (up to 2u, all in one direction). Hence 4u.
HALF_TOL = {torch.bfloat16: 4 * 2**-8, torch.float16: 4 * 2**-11}


def _qkv(seed, *, b=1, h=2, n=256, d=16, kv_heads=None, n_kv=None, dtype=torch.float32):
    g = torch.Generator().manual_seed(seed)
    q = torch.randn(b, h, n, d, generator=g)
    k = torch.randn(b, kv_heads or h, n_kv or n, d, generator=g)
    v = torch.randn(b, kv_heads or h, n_kv or n, d, generator=g)
    return q.to(dtype), k.to(dtype), v.to(dtype)


def _layout(name, bs, seed, *, b=1, h=2, n=256):
    g = torch.Generator().manual_seed(seed)
    nq, nk = n // bs[0], n // bs[1]
    rand = torch.rand(b, h, nq, nk, generator=g) < 0.4
    if name == "random":
        return BlockLayout.from_block_mask(rand, block_size=bs)
    if name == "random-causal":
        return BlockLayout.from_block_mask(rand, block_size=bs, causal=True)
    if name == "stripe":
        stripe = torch.zeros(b, h, nq, nk, dtype=torch.bool)
        stripe[..., [0, nk - 1]] = True
        return BlockLayout.from_block_mask(stripe, block_size=bs)
    if name == "levels":
        return BlockLayout.from_level_map(torch.randint(0, 5, (b, h, nq, nk), generator=g), block_size=bs)
    if name == "head-modes-full-skip":
        modes = torch.tensor([[1, 2]] * b, dtype=torch.int8)
        return BlockLayout.from_block_mask(rand, block_size=bs, causal=True, head_modes=modes)
    if name == "head-modes-sparse-full":
        modes = torch.tensor([[0, 1]] * b, dtype=torch.int8)
        return BlockLayout.from_block_mask(rand, block_size=bs, head_modes=modes)
    if name == "permuted":
        return BlockLayout.from_block_mask(rand, block_size=bs, token_perm=torch.randperm(n, generator=g))
    if name.startswith("columns"):
        causal = name == "columns-causal"
        modes = torch.tensor([[0, 1]] * b, dtype=torch.int8) if name == "columns-head-modes" else None
        counts, idx = random_columns(rand, block_size=bs, causal=causal, seed=seed, per_row=40)
        return BlockLayout.from_block_mask(
            rand, block_size=bs, causal=causal, head_modes=modes, col_counts=counts, col_indices=idx
        )
    raise KeyError(name)


def _rel_l2(q, k, v, layout) -> dict:
    """Run the Triton backend and measure it against the float64 reference."""
    out = sparse_attention(q, k, v, layout, backend="triton")
    if out.dtype != q.dtype or out.shape != q.shape:
        return {"error": f"output {out.dtype} {tuple(out.shape)} for input {q.dtype} {tuple(q.shape)}"}
    return {"rel_l2": attention_error(out.double(), layout_attention_reference(q, k, v, layout)).rel_l2}


def _grouped_heads(causal: bool) -> dict:
    q, k, v = _qkv(7, b=2, h=4, kv_heads=2, n=128, n_kv=256)
    mask = torch.rand(2, 4, 4, 8, generator=torch.Generator().manual_seed(8)) < 0.3
    return _rel_l2(
        q, k, v, BlockLayout.from_block_mask(mask, block_size=(32, 32), causal=causal, kv_offset=128)
    )


def _empty_rows() -> dict:
    """A query block and a whole head without blocks: zero output, lse -inf, the rest exact."""
    from kernels.backends.triton_attention import block_sparse_forward

    q, k, v = _qkv(9, n=128)
    mask = torch.rand(1, 2, 4, 4, generator=torch.Generator().manual_seed(10)) < 0.6
    mask[0, 0, 1] = False
    mask[0, 1] = False
    layout = BlockLayout.from_block_mask(mask, block_size=(32, 32))
    result = _rel_l2(q, k, v, layout)
    out, lse = block_sparse_forward(
        q, k, v, layout.kv_num_blocks, layout.kv_indices, block_size=(32, 32), causal=False, kv_offset=0
    )
    scores = q.double() @ k.double().transpose(-1, -2) / math.sqrt(q.shape[-1])
    token_mask = mask.repeat_interleave(32, 2).repeat_interleave(32, 3)
    ref = torch.logsumexp(scores.masked_fill(~token_mask, float("-inf")), dim=-1)
    seen = torch.isfinite(ref)
    result["empty_rows_zero"] = bool((out[~seen] == 0).all()) and int((~seen).sum()) == 32 + 128
    result["lse_inf_where_no_key"] = bool(torch.equal(torch.isinf(lse), ~seen))
    result["lse_max_abs_err"] = float((lse[seen].double() - ref[seen]).abs().max())
    return result


def _every_candidate_tile(name: str, bs: tuple[int, int], dtype=torch.float32) -> dict:
    """The layout through the Triton backend once per tile candidate (every level's pooled width too):
    the worst error over all of them, and how many distinct (shape, tile) pairs ran."""
    import kernels.backends.triton_attention as backend
    from kernels.backends.triton_tiles import tile_candidates

    q, k, v = _qkv(21, h=1, dtype=dtype)
    layout = _layout(name, bs, 22, h=1)
    ref = layout_attention_reference(q, k, v, layout)
    tried, worst = set(), 0.0
    rounds = max(
        len(tile_candidates(b_q=bs[0], b_k=bs[1] >> s, head_dim=q.shape[-1], dtype=dtype)) for s in range(4)
    )
    default = backend.tile_default
    try:
        for index in range(rounds):

            def pick(*, b_q, b_k, dtype, index=index):
                found = tile_candidates(b_q=b_q, b_k=b_k, head_dim=q.shape[-1], dtype=dtype)
                cfg = found[min(index, len(found) - 1)]
                tried.add((b_q, b_k, cfg))
                return cfg

            backend.tile_default = pick
            out = sparse_attention(q, k, v, layout, backend="triton")
            worst = max(worst, attention_error(out.double(), ref).rel_l2)
    finally:
        backend.tile_default = default
    return {"rel_l2": worst, "configs": len(tried)}


def _case_table() -> dict:
    """Case name -> (function computing the results, tolerance on rel_l2)."""
    cases = {}
    kinds = ("random", "random-causal", "stripe", "levels", "head-modes-full-skip", "head-modes-sparse-full")
    kinds += ("columns", "columns-causal", "columns-head-modes")
    for name in kinds + ("permuted",):
        cases[f"{name}-64x32"] = (lambda name=name: _rel_l2(*_qkv(1), _layout(name, (64, 32), 2)), TOL)
    # b_q=128 splits a query block over two programs (float32 tiles are 64 queries), b_k=128 takes
    # four key tiles, and pooled level-4 blocks of b_k=32 are 4 keys: one masked 16-key tile
    for bs in ((32, 64), (128, 32), (16, 128)):
        for name in ("random-causal", "levels"):
            cases[f"{name}-{bs[0]}x{bs[1]}"] = (
                lambda name=name, bs=bs: _rel_l2(*_qkv(3, h=1), _layout(name, bs, 4, h=1)),
                TOL,
            )
    for d in (16, 32, 64, 128):
        cases[f"head-dim-{d}"] = (
            lambda d=d: _rel_l2(*_qkv(5, n=128, d=d), _layout("random-causal", (32, 32), 6, n=128)),
            TOL,
        )
    for causal in (False, True):
        cases[f"gqa-short-queries{'-causal' if causal else ''}"] = (lambda c=causal: _grouped_heads(c), TOL)
    cases["empty-rows"] = (_empty_rows, TOL)
    for dtype, tag in ((torch.bfloat16, "bf16"), (torch.float16, "fp16")):
        for name in ("random-causal", "levels", "columns-causal"):
            cases[f"{tag}-{name}"] = (
                lambda name=name, dtype=dtype: _rel_l2(*_qkv(11, dtype=dtype), _layout(name, (64, 32), 12)),
                HALF_TOL[dtype],
            )
    for index, (method, settings) in enumerate(METHOD_CASES):
        cases[f"method-{method}-{index}"] = (
            lambda method=method, settings=settings: _rel_l2(*method_case_inputs(method, settings)),
            TOL,
        )
    # whichever tiles the GPU tuner picks must be correct: every candidate, on pooled widths too
    for name, bs in (("levels", (64, 32)), ("random-causal", (128, 128)), ("levels", (128, 64))):
        cases[f"tiles-{name}-{bs[0]}x{bs[1]}"] = (
            lambda name=name, bs=bs: _every_candidate_tile(name, bs),
            TOL,
        )
    cases["tiles-fp16-random-causal-64x64"] = (
        lambda: _every_candidate_tile("random-causal", (64, 64), torch.float16),
        HALF_TOL[torch.float16],
    )
    return cases


CASES = _case_table()


#: Child processes sharing the cases (the interpreter keeps one core busy): one per usable CPU, up to 4.
CHILDREN = max(1, min(4, len(os.sched_getaffinity(0))))


def _next_case(counter: Path) -> int:
    """The index of the next case to run, taken from the children's shared counter file under a lock."""
    with open(counter, "r+") as file:
        fcntl.flock(file, fcntl.LOCK_EX)  # released when the file closes
        taken = int(file.read() or 0)
        file.seek(0)
        file.write(str(taken + 1))
        file.truncate()
    return taken


def interpreter_main(counter: Path) -> None:
    """Child process: run cases under the interpreter, each taken from the shared `counter` (slowest kinds
    first, so that the children finish together), and print {name: results} as JSON."""
    if os.environ.get("TRITON_INTERPRET") != "1" or "triton" in sys.modules:
        sys.exit("run with TRITON_INTERPRET=1 set before triton is imported")
    order = sorted(CASES, key=lambda name: not name.startswith(("method-", "tiles-")))
    results = {}
    while (index := _next_case(counter)) < len(order):
        name = order[index]
        try:
            results[name] = CASES[name][0]()
        except Exception as exc:  # reported per case, so that one failure does not hide the others
            results[name] = {"error": f"{type(exc).__name__}: {exc}"}
    print(json.dumps(results))


@pytest.fixture(scope="module")
def interpreter_results(tmp_path_factory) -> dict:
    """Results of every case from CHILDREN child processes with TRITON_INTERPRET=1, side by side."""
    if SKIP_WITHOUT_TRITON:
        pytest.skip("triton is not installed (pip install -e '.[dev]')")
    counter = tmp_path_factory.mktemp("triton-interpreter") / "next-case"
    counter.write_text("0")
    # one thread each: the children fill the cores between them
    env = dict(os.environ, TRITON_INTERPRET="1", OMP_NUM_THREADS="1")
    root = Path(__file__).resolve().parents[2]
    children = [
        subprocess.Popen(
            [sys.executable, __file__, str(counter)],
            env=env,
            cwd=root,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(CHILDREN)
    ]
    results = {}
    try:
        for child in children:
            out, err = child.communicate(timeout=300)
            assert child.returncode == 0, err[-4000:]
            results.update(json.loads(out.strip().splitlines()[-1]))
    finally:
        for child in children:
            if child.poll() is None:
                child.kill()
                child.wait()
    assert sorted(results) == sorted(CASES)
    return results


@pytest.mark.parametrize("name", list(CASES))
def test_triton_backend_equals_float64_reference_under_the_interpreter(interpreter_results, name):
    result = interpreter_results[name]
    assert "error" not in result, result["error"]
    assert result["rel_l2"] <= CASES[name][1], result


def test_triton_backend_tile_cases_ran_every_candidate(interpreter_results):
    for name in CASES:
        if name.startswith("tiles-"):
            assert interpreter_results[name].get("configs", 0) >= 8, (name, interpreter_results[name])


def test_triton_backend_rows_without_blocks_output_zero_with_minus_infinite_lse(interpreter_results):
    result = interpreter_results["empty-rows"]
    assert "error" not in result, result["error"]
    assert result["empty_rows_zero"] and result["lse_inf_where_no_key"]
    assert result["lse_max_abs_err"] <= 1e-5


@needs_triton
@pytest.mark.parametrize(
    "bs,d,dtype,match",
    [
        ((48, 32), 16, torch.float32, "b_q=48"),
        ((32, 8), 16, torch.float32, "b_k=8"),
        ((32, 32), 24, torch.float32, "d=24"),
        ((32, 32), 16, torch.float64, "dtype"),
    ],
)
def test_triton_backend_rejects_unsupported_parameters_by_name(bs, d, dtype, match):
    n = 96 if bs[0] == 48 else 128
    q, k, v = _qkv(13, n=n, d=d, dtype=dtype)
    mask = torch.ones(1, 2, n // bs[0], n // bs[1], dtype=torch.bool)
    with pytest.raises(ValueError, match=match):
        sparse_attention(q, k, v, BlockLayout.from_block_mask(mask, block_size=bs), backend="triton")


@needs_triton
def test_triton_backend_on_cpu_needs_the_interpreter(monkeypatch):
    monkeypatch.delenv("TRITON_INTERPRET", raising=False)
    q, k, v = _qkv(14, n=128)
    with pytest.raises(RuntimeError, match="CUDA.*TRITON_INTERPRET=1"):
        sparse_attention(q, k, v, _layout("random", (32, 32), 15, n=128), backend="triton")


def test_triton_backend_missing_package_raises_a_clear_import_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "triton", None)
    monkeypatch.delitem(sys.modules, "kernels.backends.triton_attention", raising=False)
    q, k, v = _qkv(16, n=128)
    with pytest.raises(ImportError, match="needs the triton package"):
        sparse_attention(q, k, v, _layout("random", (32, 32), 17, n=128), backend="triton")


def test_auto_backend_falls_back_to_flex_on_cuda_without_triton(monkeypatch):
    import importlib.util

    real = importlib.util.find_spec
    def without_triton(name, *args):
        return None if name == "triton" else real(name, *args)

    monkeypatch.setattr(importlib.util, "find_spec", without_triton)
    assert backend_resolve(backend="auto", device=torch.device("cuda")) == "flex"


def test_auto_backend_picks_triton_on_cuda_only():
    assert backend_resolve(backend="auto", device=torch.device("cuda")) == "triton"
    assert backend_resolve(backend="auto", device=torch.device("cpu")) in ("native", "cpu")
    assert backend_resolve(backend="triton", device=torch.device("cpu")) == "triton"


if __name__ == "__main__":
    interpreter_main(Path(sys.argv[1]))
