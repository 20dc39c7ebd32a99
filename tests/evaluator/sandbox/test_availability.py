"""Without bubblewrap, code submissions are refused up front with the reason."""

from __future__ import annotations

import pytest

from evaluator.sandbox import SandboxedMethod, SandboxError, SandboxSpec, sandbox_available
from evaluator.sandbox.upload import SubmissionFiles


@pytest.fixture
def no_bubblewrap(monkeypatch):
    """A PATH without bwrap (the availability cache cleared before and after)."""
    sandbox_available.cache_clear()
    monkeypatch.setenv("PATH", "/nonexistent")
    yield
    monkeypatch.undo()
    sandbox_available.cache_clear()


def test_sandbox_available_says_why_without_bubblewrap(no_bubblewrap):
    ok, why = sandbox_available()
    assert not ok and "bubblewrap" in why and "apt-get install bubblewrap" in why


def test_sandboxed_method_refuses_code_without_bubblewrap(no_bubblewrap):
    source = b"def select(q, k, **info):\n    return {}\n"
    method = SandboxedMethod(files=SubmissionFiles({"submission.py": source}))
    with pytest.raises(SandboxError) as caught:
        method.start()
    assert caught.value.codes == ("sandbox_unavailable",)
    assert "bubblewrap" in caught.value.problems[0].message
    assert method.proc is None


def test_sandbox_spec_names_a_bad_limit():
    with pytest.raises(ValueError, match="SandboxSpec.processes"):
        SandboxSpec(processes=0)
