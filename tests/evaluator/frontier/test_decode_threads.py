"""Decoding steps run on one thread: the replies are those of decoding on the process's thread count."""

from __future__ import annotations

from functools import cache

import pytest
import torch
from sb_frontier import sample_cached

from evaluator.benchmarks.frontier import score_output, tokenizer_frontier
from evaluator.benchmarks.frontier.model import WiredModel, wired
from evaluator.benchmarks.frontier.model.protocol import model_answer

#: Short samples of the tasks whose prompts fit in a few seconds of scoring.
SHORT = {"ruler_niah": 1024, "ruler_vt": 1536}


@cache
def model() -> WiredModel:
    """The default model, built once."""
    return WiredModel(tokenizer=tokenizer_frontier())


@pytest.mark.parametrize("task", sorted(SHORT))
def test_single_thread_decoding_gives_the_same_replies_and_scores(task, monkeypatch):
    """Each sample's reply, generated count and score are identical with decoding on 2 threads."""
    threads = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        for index in range(2):
            sample = sample_cached(task=task, index=index, seed=5, length=SHORT[task])
            one = model_answer(model=model(), sample=sample)
            with monkeypatch.context() as patch:
                patch.setattr(wired, "SINGLE_THREAD_TOKENS", 0)
                both = model_answer(model=model(), sample=sample)
            assert (one.text, one.generated) == (both.text, both.generated)
            assert score_output(task=task, sample=sample, output=one.text) == score_output(
                task=task, sample=sample, output=both.text
            )
    finally:
        torch.set_num_threads(threads)


def test_extend_restores_the_thread_count():
    """A decoding step leaves the process's thread count as it found it."""
    threads = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        tok = model().tokenizer
        _, cache = model().prefill(
            ids=torch.tensor([[tok.token_id(token="<bos>")] + tok.encode(text="a b c")])
        )
        model().extend(ids=torch.tensor([tok.encode(text="d")]), cache=cache)
        assert torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(threads)
