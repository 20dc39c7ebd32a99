"""Sparse methods inside the wired model: at very high sparsity they lose what dense attention solves."""

from __future__ import annotations

from functools import cache

import pytest
from sb_frontier import sample_cached

from evaluator.benchmarks.frontier import score_output, tokenizer_frontier
from evaluator.benchmarks.frontier.attention import MethodAttention
from evaluator.benchmarks.frontier.hooks import SubmissionHooks
from evaluator.benchmarks.frontier.model import WiredModel
from evaluator.benchmarks.frontier.model.protocol import model_answer
from evaluator.benchmarks.frontier.submission import submission_parse
from kernels.harness import method_params

LENGTH = 1536


@cache
def model() -> WiredModel:
    """The default model, built once."""
    return WiredModel(tokenizer=tokenizer_frontier())


def _score(task: str, index: int, config: dict | None) -> float:
    """The score of sample `index` of `task` answered densely (None) or under the method `config`."""
    sample = sample_cached(task, index, LENGTH)
    if config is None:
        answer = model_answer(model=model(), sample=sample)
    else:
        submission, problems = submission_parse(config=config)
        assert not problems
        hooks = SubmissionHooks(attention=MethodAttention(
            submission=submission, params=method_params(submission.method, geometry=None)))
        answer = model_answer(model=model(), sample=sample, attention=hooks.prefill,
                              decode_attention=hooks.decode)
    return score_output(task=task, sample=sample, output=answer.text).value


@pytest.mark.parametrize("config", [
    {"method": "block_topk", "params": {"top_k": 3}},
    {"method": "quest", "params": {"token_budget": 64}},
], ids=["block_topk-3-chunks", "quest-64-tokens"])
def test_a_method_at_very_high_sparsity_breaks_the_variable_chain(config):
    assert _score("ruler_vt", 0, None) == 1.0
    assert _score("ruler_vt", 0, config) < 0.5
