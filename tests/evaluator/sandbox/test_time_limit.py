"""The whole submission is bounded: calls that are each quick but add up past its time limit are stopped."""

from __future__ import annotations

import pytest
import torch
from sb_sandbox import sandbox_required, sandbox_start

from evaluator.contract import SubmissionTimedOut
from evaluator.sandbox import SandboxError
from evaluator.sandbox.session import code_session
from evaluator.sandbox.upload import SubmissionFiles

Q = torch.randn(1, 2, 64, 16)
INFO = {"causal": True, "block_size": [16, 16], "layer": 0, "step": None, "geometry": None}


def test_quick_calls_past_the_submissions_time_limit_end_it_with_a_named_problem():
    method = sandbox_start("slow_calls")  # each call pauses 0.3 s; the per-call limit is 10 s
    try:
        assert set(method.call(q=Q, k=Q, info=INFO)) == {"kv_num_blocks", "kv_indices"}
        method.set_time_limit(1.0)
        with pytest.raises(SandboxError) as caught:
            for _ in range(1000):  # 300 s of calls: far past the limit, each far within its own
                method.call(q=Q, k=Q, info=INFO)
        assert caught.value.codes == ("time_limit",)
        assert "time limit of 1 s" in caught.value.problems[0].message
        assert method.proc.poll() is not None  # the child was killed, its PID namespace with it
        with pytest.raises(SandboxError) as again:
            method.call(q=Q, k=Q, info=INFO)
        assert again.value.codes == ("closed",)
    finally:
        method.close()


def test_a_session_past_its_time_limit_is_a_timeout_not_a_refusal():
    source = (
        "import time\n"
        "def select(q, k, **info):\n"
        "    time.sleep(0.3)\n"
        "    return {}\n"
    )
    sandbox_required()  # skips without bubblewrap
    log: list[str] = []  # the limit counts a cold start-up (~1.3 s) and then the calls
    with pytest.raises(SubmissionTimedOut) as caught:
        with code_session(files=SubmissionFiles({"submission.py": source.encode()}), log=log, hidden=True,
                          time_limit_s=3.0) as method:  # fmt: skip
            for _ in range(1000):
                method.call(q=Q, k=Q, info=INFO)
    assert "select: time_limit: the submission ran past its time limit of 3 s" in str(caught.value)
    assert method.proc is None  # closed by the session
