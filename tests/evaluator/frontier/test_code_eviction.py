"""frontier eviction code: SnapKV's choice through the sandbox scores as its config; bad answers named."""

from __future__ import annotations

import pytest
from sb_frontier_small import SmallFrontier
from sb_sandbox import CORPUS, sandbox_required
from sb_seeds import seeds_for

from evaluator.contract import Payload, SubmissionRefused

HEADLINE = ("acc_worst", "acc_mean", "acc_ruler_niah", "acc_ruler_vt", "sparsity", "sparsity_ref",
            "compression")  # fmt: skip
DUPLICATE = b"""
import torch

ANSWER = "eviction"


def select(q, k, *, causal, block_size, layer, step, geometry):
    # every KV head lists position 0 twice
    return {"kept": torch.zeros(k.shape[0], k.shape[1], 2, dtype=torch.int32)}
"""


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    bench = SmallFrontier()
    out = tmp_path_factory.mktemp("frontier-evict")
    bench.build(out, seeds=seeds_for())
    return bench, out


def _code(out, body: bytes, name: str = "evict.py") -> Payload:
    path = out / "uploads" / name
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(body)
    return Payload(phase="dev", public_dir=out / "public", file=path)


def test_an_eviction_upload_is_parsed_as_a_decode_submission(built):
    sandbox_required()
    bench, out = built
    submission, problems = bench._parse(_code(out, (CORPUS / "snapkv_reference.py").read_bytes()))
    assert problems == [] and (submission.name, submission.answer, submission.phase_kind) == (
        "code", "eviction", "decode")  # fmt: skip
    problems = bench.validate(_code(out, b'ANSWER = "kv"\n\ndef select(q, k, **info):\n    return {}\n'))
    assert [p.where for p in problems] == ["evict.py: ANSWER"] and "answer_kind" in problems[0].message


def test_snapkv_as_eviction_code_gives_the_snapkv_configs_figures(built):
    sandbox_required()
    bench, out = built
    config = {"method": "snapkv", "params": {"capacity": 768}}  # of 1k-token prompts: accuracy above 0
    direct = bench.score(Payload(phase="dev", public_dir=out / "public", config=config), out / "hidden")
    coded = bench.score(_code(out, (CORPUS / "snapkv_reference.py").read_bytes()), out / "hidden")
    d, c = direct.splits["private"].metrics, coded.splits["private"].metrics
    assert {m: c[m] for m in HEADLINE} == {m: d[m] for m in HEADLINE}
    assert 0.0 < c["sparsity"] < 1.0 and c["sparsity_ref"] is None and c["acc_mean"] > 0.0
    # the sandbox child may take another SIMD path or thread split than the worker: same figure, not same bits
    assert c["attn_rel_l2"] == pytest.approx(d["attn_rel_l2"], rel=1e-3)
    assert c["speedup"] > 0 and any(line.startswith("sandbox start-up") for line in coded.log)
    assert c["decode_speedup"] == c["speedup"] and c["prefill_speedup"] is None  # eviction acts on decoding


def test_a_malformed_eviction_answer_is_refused_naming_the_array(built):
    sandbox_required()
    bench, out = built
    with pytest.raises(SubmissionRefused) as caught:
        bench.score(_code(out, DUPLICATE), out / "hidden")
    message = str(caught.value)
    assert "answer['kept']" in message and "answer_duplicate" in message
