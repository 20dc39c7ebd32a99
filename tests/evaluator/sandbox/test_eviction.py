"""Eviction answers: every malformed one named by its array; SnapKV through the sandbox measures as direct."""

from __future__ import annotations

import pytest
import torch
from sb_sandbox import CORPUS, TEST_SPEC, sandbox_required, sandbox_start

from evaluator.sandbox import SandboxedMethod, SandboxError
from evaluator.sandbox.answer import answer_kept
from evaluator.sandbox.measure import code_eviction_measure
from evaluator.sandbox.upload import SubmissionFiles
from kernels.harness import method_measure
from kernels.method_config import method_config_parse

K = torch.randn(1, 2, 64, 16)


@pytest.fixture(scope="module")
def malformed():
    """One sandbox running corpus/malformed_kept.py for every case."""
    method = sandbox_start("malformed_kept")
    yield method
    method.close()


def _kept(method, layer: int):
    """The checked kept cache of the answer named by ``layer``."""
    info = {"causal": True, "block_size": [1, 1], "layer": layer, "step": None, "geometry": None}
    return answer_kept(arrays=method.call(q=K, k=K, info=info), batch=1, kv_heads=2, length=64)


@pytest.mark.parametrize(
    ("layer", "code", "where"),
    [
        (0, "answer_shape", "kept"),
        (1, "answer_dtype", "kept"),
        (2, "answer_range", "kept"),
        (3, "answer_duplicate", "kept"),
        (4, "answer_nan", "kept"),
        (5, "answer_range", "kept_counts"),
        (6, "answer_keys", "kv_indices"),
        (7, "answer_keys", "kept"),
    ],
)
def test_answer_kept_names_each_malformed_eviction(malformed, layer, code, where):
    with pytest.raises(SandboxError) as caught:
        _kept(malformed, layer)
    assert caught.value.codes == (code,)
    assert caught.value.problems[0].where == f"answer[{where!r}]"
    assert _kept(malformed, 8).keep.sum(-1).tolist() == [[2, 2]]  # the same sandbox still answers


@pytest.mark.parametrize("name", ["snapkv", "ada_snapkv"])
def test_snapkv_through_the_sandbox_measures_as_the_direct_path(name):
    sandbox_required()
    torch.manual_seed(0)
    q, k, v = torch.randn(1, 4, 512, 16), torch.randn(1, 2, 512, 16), torch.randn(1, 2, 512, 16)
    source = (CORPUS / "snapkv_reference.py").read_text()
    source = source.replace("ADAPTIVE = False", f"ADAPTIVE = {name == 'ada_snapkv'}")
    source = source.replace("CAPACITY = 768", "CAPACITY = 256")  # of a 504-token prompt
    config = method_config_parse({"method": name, "params": {"capacity": 256}})
    direct = method_measure(config, q=q, k=k, v=v, decode_steps=8, repeats=1)
    info = {"causal": True, "block_size": [1, 1], "layer": 0, "step": None, "geometry": None}
    with SandboxedMethod(files=SubmissionFiles({"submission.py": source.encode()}), spec=TEST_SPEC) as method:
        coded = code_eviction_measure(method=method, q=q, k=k, v=v, decode_steps=8, info=info, repeats=1)
    assert (coded.density, coded.mass_recall, coded.rel_l2) == (direct.density, direct.mass_recall,
                                                                direct.rel_l2)  # fmt: skip
    assert 0.0 < coded.density < 1.0 and coded.backend == direct.backend
    assert coded.estimator.median_ms > 0 and coded.speedup > 0
