"""Specs of the compiled CPU kernel: exactness, thread and chunk independence, dispatch and build errors."""


import pytest
import torch
from sb_ci import skip_unless_ci

from kernels.api import backend_resolve, sparse_attention
from kernels.backends.native import build
from kernels.backends.native.attention import native_sparse_attention
from kernels.cbuild import library_path
from kernels.layout import BlockLayout
from kernels.metrics import attention_error
from kernels.reference import layout_attention_reference

TOL = 1e-5
REASON = build.native_unavailable_reason()
# gcc is part of every machine this project runs on: missing it skips here, but fails under CI=true
pytestmark = skip_unless_ci(REASON)


def _qkv(seed, *, h=2, n=512, kv_n=None, d=32, kv_heads=None):
    g = torch.Generator().manual_seed(seed)
    q = torch.randn(1, h, n, d, generator=g)
    k = torch.randn(1, kv_heads or h, kv_n or n, d, generator=g)
    v = torch.randn(1, kv_heads or h, kv_n or n, d, generator=g)
    return q, k, v


def _random_mask(seed, shape, p=0.4):
    return torch.rand(shape, generator=torch.Generator().manual_seed(seed)) < p


def test_native_kernel_builds_here():
    assert REASON is None, REASON


@pytest.mark.parametrize("d", [16, 64, 128])
def test_native_equals_float64_reference_for_head_dims(d):
    q, k, v = _qkv(1, d=d)
    layout = BlockLayout.from_block_mask(_random_mask(2, (1, 2, 4, 8)), block_size=(128, 64))
    out = native_sparse_attention(q, k, v, layout)
    assert attention_error(out, layout_attention_reference(q, k, v, layout)).rel_l2 <= TOL


def test_native_causal_with_fewer_queries_than_keys_equals_reference():
    q, k, v = _qkv(3, n=256, kv_n=512)
    layout = BlockLayout.from_block_mask(_random_mask(4, (1, 2, 4, 8), 0.6), block_size=(64, 64), causal=True)
    assert layout.kv_offset == 256
    out = native_sparse_attention(q, k, v, layout)
    assert attention_error(out, layout_attention_reference(q, k, v, layout)).rel_l2 <= TOL


def test_native_tokens_and_rows_that_see_no_key_output_zero():
    q, k, v = _qkv(5, n=256)
    mask = torch.zeros(1, 2, 4, 8, dtype=torch.bool)
    mask[0, 0, 0, 1] = True  # query block 0 (tokens 0-63) sees key tokens 32-63 only: tokens 0-31 see none
    mask[0, 0, 2, :3] = True
    layout = BlockLayout.from_block_mask(mask, block_size=(64, 32), causal=True)
    out = native_sparse_attention(q, k, v, layout)
    assert torch.equal(out[0, 0, :32], torch.zeros(32, 32))
    assert torch.equal(out[0, 0, 64:128], torch.zeros(64, 32))  # query block 1 lists nothing
    assert torch.equal(out[0, 1], torch.zeros(256, 32))
    assert attention_error(out, layout_attention_reference(q, k, v, layout)).rel_l2 <= TOL


def test_native_results_do_not_depend_on_threads_or_chunk():
    q, k, v = _qkv(6, n=1024)
    levels = torch.randint(0, 5, (1, 2, 8, 16), generator=torch.Generator().manual_seed(7))
    layout = BlockLayout.from_level_map(levels, block_size=(128, 64))
    one = native_sparse_attention(q, k, v, layout, threads=1)
    assert torch.equal(one, native_sparse_attention(q, k, v, layout, threads=4))
    small = native_sparse_attention(q, k, v, layout, chunk=1)  # one entry per score tile
    assert attention_error(small, one).rel_l2 <= 1e-6
    assert attention_error(one, layout_attention_reference(q, k, v, layout)).rel_l2 <= TOL


def test_native_handles_large_logits_without_overflow():
    q, k, v = _qkv(8)
    q = q * 40.0  # logits in the hundreds: the running maximum must keep exp() finite
    layout = BlockLayout.from_block_mask(_random_mask(9, (1, 2, 4, 8)), block_size=(128, 64))
    out = native_sparse_attention(q, k, v, layout)
    assert torch.isfinite(out).all()
    assert attention_error(out, layout_attention_reference(q, k, v, layout)).rel_l2 <= TOL


def test_native_refuses_other_dtypes_by_name_and_auto_falls_back_to_cpu():
    q, k, v = _qkv(10)
    layout = BlockLayout.from_block_mask(_random_mask(11, (1, 2, 4, 8)), block_size=(128, 64))
    with pytest.raises(ValueError, match="float32 CPU tensors; q is torch.float64"):
        sparse_attention(q.double(), k.double(), v.double(), layout, backend="native")
    assert backend_resolve(backend="auto", device=torch.device("cpu"), dtype=torch.float64) == "cpu"
    assert backend_resolve(backend="auto", device=torch.device("cpu"), dtype=torch.float32) == "native"
    out = sparse_attention(q.double(), k.double(), v.double(), layout)
    assert attention_error(out, layout_attention_reference(q, k, v, layout)).rel_l2 <= 1e-12


def test_native_build_failure_is_reported_with_the_compiler_message(tmp_path, monkeypatch):
    monkeypatch.setenv("SPARSEBENCH_KERNEL_CACHE", str(tmp_path))
    monkeypatch.setenv("CC", "false")
    with pytest.raises(build.NativeUnavailable, match="compiling sparsebench-attention-.* with false failed"):
        build.load_attention_kernels()
    assert list(tmp_path.iterdir()) == []  # no half-written library is left behind


def test_native_build_is_cached_per_machine(tmp_path, monkeypatch):
    monkeypatch.setenv("SPARSEBENCH_KERNEL_CACHE", str(tmp_path))
    first = build.load_attention_kernels()
    built = sorted(tmp_path.iterdir())
    assert [p.suffix for p in built] == [".so"] and first.path == built[0]
    mtime = built[0].stat().st_mtime_ns
    assert build.load_attention_kernels().path == first.path and first.path.stat().st_mtime_ns == mtime


def test_unwritable_kernel_cache_is_reported_not_raised_as_a_crash(tmp_path, monkeypatch):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    monkeypatch.setenv("SPARSEBENCH_KERNEL_CACHE", str(blocker / "kernels"))
    with pytest.raises(build.NativeUnavailable, match="cannot write the kernel cache .*KERNEL_CACHE"):
        build.load_attention_kernels()


def test_damaged_cache_entry_is_rebuilt(tmp_path, monkeypatch):
    monkeypatch.setenv("SPARSEBENCH_KERNEL_CACHE", str(tmp_path))
    path = library_path(name="sparsebench-attention", sources=build.SOURCES, headers=build.HEADERS)
    path.write_bytes(b"not an ELF file")  # say, a copy cut short by a full disk
    assert build.load_attention_kernels().path == path
    assert path.read_bytes()[:4] == b"\x7fELF"
