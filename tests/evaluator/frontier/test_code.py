"""frontier code submissions: the reference method through the sandbox, the checks, a hostile module."""

from __future__ import annotations

import zipfile

import pytest
from sb_frontier import SHORT_TASKS
from sb_sandbox import CORPUS, sandbox_required, tree_digest
from sb_seeds import seeds_for

from evaluator.benchmarks.frontier.benchmark import FrontierBenchmark
from evaluator.contract import Payload, SubmissionRefused

HEADLINE = ("acc_worst", "acc_mean", "sparsity", "sparsity_ref")
NOT_CAUSAL = b"""
import torch


def select(q, k, *, causal, block_size, layer, step, geometry):
    n_q, n_k = q.shape[2] // block_size[0], k.shape[2] // block_size[1]
    return {"block_mask": torch.ones(q.shape[0], q.shape[1], n_q, n_k, dtype=torch.bool)}
"""
HOSTILE = """
import socket


def select(q, k, **info):
    found = []
    try:
        found.append(open("@HIDDEN@/seeds.json").read())
    except OSError as exc:
        found.append(type(exc).__name__)
    try:
        socket.create_connection(("127.0.0.1", 5432), timeout=2).close()
        found.append("postgres reached")
    except OSError as exc:
        found.append(type(exc).__name__)
    raise RuntimeError("; ".join(found))
"""


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    bench = FrontierBenchmark(samples=1, lengths=(1024,), tasks=SHORT_TASKS)
    out = tmp_path_factory.mktemp("frontier-code")
    bench.build(out, seeds=seeds_for())
    return bench, out


def _code(out, body: bytes, name="method.py", phase="dev") -> Payload:
    path = out / "uploads" / name
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(body)
    return Payload(phase=phase, public_dir=out / "public", file=path)


def test_the_spec_takes_code_on_every_phase_and_the_bundle_has_a_sample(built):
    bench, out = built
    assert all(phase.accepts_code for phase in bench.spec.phases)
    assert [f.extensions for f in bench.spec.formats if f.code] == [(".py", ".zip")]
    assert "def select(q, k, *, causal" in (out / "public" / "sample_submission.py").read_text()


def test_validate_names_a_code_upload_that_is_not_python(built):
    bench, out = built
    problems = bench.validate(_code(out, b"x", name="method.txt"))
    assert [p.where for p in problems] == ["method.txt"] and ".py file or a .zip" in problems[0].message
    archive = out / "uploads" / "native.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("submission/__init__.py", "")
        z.writestr("submission/fast.so", b"\x7fELF")
    problems = bench.validate(Payload(phase="dev", public_dir=out / "public", file=archive))
    assert problems and any("fast.so" in str(p) for p in problems)


def test_the_reference_method_as_code_gives_the_direct_paths_figures(built):
    sandbox_required()
    bench, out = built
    config = {"method": "block_topk", "params": {"block_size": 64, "top_k": 4}}
    direct = bench.score(Payload(phase="dev", public_dir=out / "public", config=config), out / "hidden")
    body = (CORPUS / "block_topk_reference.py").read_bytes()  # block top-k, top 4, at the info's block size
    coded = bench.score(_code(out, body), out / "hidden")
    d, c = direct.splits["private"].metrics, coded.splits["private"].metrics
    assert {m: c[m] for m in HEADLINE} == {m: d[m] for m in HEADLINE}
    assert 0.0 < c["sparsity"] < 1.0
    assert c["attn_rel_l2"] == pytest.approx(d["attn_rel_l2"], rel=1e-9)
    assert c["speedup"] > 0 and any(line.startswith("sandbox start-up") for line in coded.log)
    assert c["prefill_speedup"] == c["speedup"] and c["decode_speedup"] is None  # layout code acts on prefill


def test_the_sample_submission_scores(built):
    sandbox_required()
    bench, out = built
    report = bench.score(_code(out, (out / "public" / "sample_submission.py").read_bytes()), out / "hidden")
    metrics = report.splits["private"].metrics
    assert 0.0 < metrics["sparsity"] < 1.0 and metrics["acc_worst"] is not None


def test_a_key_block_after_its_query_block_is_refused_naming_the_array(built):
    sandbox_required()
    bench, out = built
    with pytest.raises(SubmissionRefused) as caught:
        bench.score(_code(out, NOT_CAUSAL), out / "hidden")
    message = str(caught.value)
    assert "answer['block_mask']" in message and "answer_causal" in message and "after their query" in message


def test_a_hostile_module_finds_nothing_and_fails_cleanly(built):
    sandbox_required()
    bench, out = built
    before = [tree_digest(out / part) for part in ("public", "hidden")]
    body = HOSTILE.replace("@HIDDEN@", str(out / "hidden")).encode()
    with pytest.raises(SubmissionRefused) as caught:
        bench.score(_code(out, body), out / "hidden")
    message = str(caught.value)
    assert "select_raised" in message and "FileNotFoundError" in message
    assert "postgres reached" not in message and '"ruler' not in message
    assert [tree_digest(out / part) for part in ("public", "hidden")] == before
    dense = bench.score(Payload(phase="dev", public_dir=out / "public", config={"method": "dense"}),
                        out / "hidden")  # fmt: skip
    assert dense.splits["private"].metrics["acc_worst"] == 1.0
