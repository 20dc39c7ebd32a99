"""Malformed answers are named by the trusted side, and the sandbox that gave them keeps serving."""

from __future__ import annotations

import pytest
import torch
from sb_sandbox import corpus_source, sandbox_start

from evaluator.sandbox import SandboxError
from evaluator.sandbox.answer import LayoutGeometry, answer_kept, answer_layout
from kernels.layout import BlockLayout

Q = torch.randn(1, 2, 64, 16)
GEOMETRY = LayoutGeometry(batch=1, heads=2, q_len=64, kv_len=64, block_size=(16, 16), causal=True)


@pytest.fixture(scope="module")
def malformed():
    """One sandbox running corpus/malformed.py for every case."""
    method = sandbox_start("malformed")
    yield method
    method.close()


def _answer(method, layer: int):
    """The checked layout of the answer named by ``layer``."""
    info = {"causal": True, "block_size": [16, 16], "layer": layer, "step": None, "geometry": None}
    return answer_layout(arrays=method.call(q=Q, k=Q, info=info), geometry=GEOMETRY)


def _outside(info: dict) -> dict:
    """corpus/malformed.py's answer computed in this process (outside the sandbox)."""
    namespace: dict = {}
    exec(compile(corpus_source("malformed"), "malformed.py", "exec"), namespace)  # noqa: S102
    return namespace["select"](Q, Q, **info)


def _unchecked(layer: int) -> str:
    """What the kernels' layout makes of the same answer computed outside the sandbox, unchecked (rows
    padded to n_k as answer_layout pads them): "taken", or the type of what it raised."""
    info = {"causal": True, "block_size": [16, 16], "layer": layer, "step": None, "geometry": None}
    arrays = _outside(info)
    idx = arrays["kv_indices"]
    idx = torch.cat([idx, torch.zeros(idx.shape[:-1] + (4 - idx.shape[-1],), dtype=idx.dtype)], dim=-1)
    try:
        BlockLayout.from_kv_blocks(arrays["kv_num_blocks"], idx, block_size=(16, 16), q_len=64, kv_len=64,
                                   causal=True)  # fmt: skip
    except Exception as exc:  # noqa: BLE001 - its type is the point
        return type(exc).__name__
    return "taken"


@pytest.mark.parametrize(
    ("layer", "code", "where", "unchecked"),
    [
        (0, "answer_shape", "kv_num_blocks", "ValueError"),
        (1, "answer_dtype", "kv_indices", "taken"),
        (2, "answer_range", "kv_indices", "ValueError"),
        (3, "answer_duplicate", "kv_indices", "ValueError"),
        (4, "answer_nan", "kv_indices", "ValueError"),
        (5, "answer_causal", "kv_indices", "ValueError"),
        (6, "answer_keys", "weights", "taken"),
    ],
)
def test_answer_layout_names_each_malformed_answer(malformed, layer, code, where, unchecked):
    with pytest.raises(SandboxError) as caught:
        _answer(malformed, layer)
    assert caught.value.codes == (code,)
    # negative control: unchecked, the kernels would take the answer or fail without naming its problem
    assert _unchecked(layer) == unchecked
    assert caught.value.problems[0].where == f"answer[{where!r}]"
    assert _answer(malformed, 8).kv_num_blocks.sum() == 8  # the same sandbox still answers


def test_sandboxed_method_refuses_an_answer_that_is_not_a_dict(malformed):
    with pytest.raises(SandboxError) as caught:
        _answer(malformed, 7)
    assert caught.value.codes == ("answer_type",)


def test_answer_layout_accepts_a_block_mask_with_columns():
    mask = torch.eye(4, dtype=torch.bool).expand(1, 2, 4, 4).contiguous()
    cols = {"col_counts": torch.tensor([0, 1, 1, 1]).expand(1, 2, 4).contiguous(),
            "col_indices": torch.zeros(1, 2, 4, 1, dtype=torch.int64)}  # token 0, rows 1-3  # fmt: skip
    layout = answer_layout(arrays={"block_mask": mask, **cols}, geometry=GEOMETRY)
    assert layout.has_columns and int(layout.column_mask().sum()) == 6
    inside = {**cols, "col_counts": torch.ones(1, 2, 4, dtype=torch.int64)}  # row 0: token 0 is in its block
    with pytest.raises(SandboxError) as caught:
        answer_layout(arrays={"block_mask": mask, **inside}, geometry=GEOMETRY)
    assert caught.value.codes == ("answer_invalid",)


def test_answer_kept_builds_the_kept_cache_and_names_duplicates():
    kept = answer_kept(arrays={"kept": torch.tensor([[[0, 5, 9]]])}, batch=1, kv_heads=1, length=10)
    assert kept.keep.nonzero()[:, -1].tolist() == [0, 5, 9]
    with pytest.raises(SandboxError) as caught:
        answer_kept(arrays={"kept": torch.tensor([[[0, 5, 5]]])}, batch=1, kv_heads=1, length=10)
    assert caught.value.codes == ("answer_duplicate",)
