"""A worker process's spare sandbox: warmed ahead, taken by exactly one submission, then warmed again."""

from __future__ import annotations

import dataclasses

import pytest
import torch
from sb_sandbox import CORPUS, sandbox_required

from evaluator.sandbox import SandboxSpec
from evaluator.sandbox.session import code_session
from evaluator.sandbox.spare import _state, sandbox_take, spare_disable, spare_enable
from evaluator.sandbox.upload import SubmissionFiles

GOOD = SubmissionFiles({"submission.py": (CORPUS / "good.py").read_bytes()})
INFO = {"causal": True, "block_size": [16, 16], "layer": 0, "step": None, "geometry": None}


@pytest.fixture
def spare():
    """Spares enabled for the test, disabled (the spare closed) after it."""
    sandbox_required()
    spare_enable()
    yield
    spare_disable()


def test_without_a_spare_a_submission_gets_a_cold_sandbox():
    spare_disable()  # the premise: no spare in this process, whatever ran in it before
    method, ahead = sandbox_take(files=GOOD)
    assert not ahead and method.proc is None and method.files is GOOD


def test_a_spare_serves_one_submission_and_the_next_is_warmed(spare):
    first, ahead = sandbox_take(files=GOOD)
    assert ahead and first.warm_s is not None
    try:
        first.start()
        answer = first.call(q=torch.randn(1, 2, 64, 16), k=torch.randn(1, 2, 64, 16), info=INFO)
        assert answer["kv_num_blocks"].shape == (1, 2, 4)
    finally:
        first.close()
    assert _state["spare"] is None  # taken: nothing warms until a code session ends
    log: list[str] = []
    with code_session(files=GOOD, log=log, hidden=False) as method:
        assert method is not first
    assert log[0].startswith("sandbox start-up") and log[0].endswith("(cold)")
    assert _state["spare"] is not None and _state["spare"] is not method  # warming for the next one


def test_a_spare_with_other_limits_is_not_taken(spare):
    other = dataclasses.replace(SandboxSpec(), call_seconds=5.0)
    method, ahead = sandbox_take(files=GOOD, spec=other)
    assert not ahead and method.spec == other and _state["spare"] is not None
