"""The wired model on story_multihop: its protocol, dense accuracy, and reads that go through attention."""

from __future__ import annotations

from functools import cache

import torch
from sb_frontier import sample_cached

from evaluator.benchmarks.frontier import score_output, tokenizer_frontier
from evaluator.benchmarks.frontier.model import WiredModel, attention_dense
from evaluator.benchmarks.frontier.model.protocol import answer_steps, model_answer
from evaluator.benchmarks.frontier.model.roles import layer_roles

#: Dev-seed samples at this length hold 10-14 chapters (a few seconds each).
LENGTH = 2048


@cache
def model() -> WiredModel:
    """The default model, built once."""
    return WiredModel(tokenizer=tokenizer_frontier())


def test_multihop_protocol_restates_the_item_outside_the_answer_never_the_answer():
    sample = sample_cached("story_multihop", 0, LENGTH)
    forced = "".join(step.force for step in answer_steps(sample=sample))
    assert forced.startswith(f"\nBefore {sample.queries[0]}<answer>\n")
    assert sample.gold not in forced
    assert sum(step.tokens for step in answer_steps(sample=sample)) == 3


def test_multihop_is_solved_densely_on_most_samples():
    scores = []
    for index in range(4):
        sample = sample_cached("story_multihop", index, LENGTH)
        answer = model_answer(model=model(), sample=sample)
        scores.append(score_output(task="story_multihop", sample=sample, output=answer.text).value)
    assert sum(scores) / len(scores) >= 0.75


def _blind(hidden: list[int]):
    """Dense attention with the positions `hidden` masked out of every key set (the sink stays)."""
    def attention(q, k, v, *, layer, causal):
        """The masked attention hook."""
        n_q, n_k = q.shape[2], k.shape[2]
        mask = torch.arange(n_k)[None, :] <= torch.arange(n_q)[:, None] + (n_k - n_q)
        mask[:, hidden] = False
        mask[:, 0] = True
        return torch.nn.functional.scaled_dot_product_attention(q, k, v, attn_mask=mask, enable_gqa=True)
    return attention


def _occurrences(ids: list[int], part: list[int]) -> list[int]:
    """Positions covered by every occurrence of `part` in `ids`."""
    return [i + j for i in range(len(ids) - len(part) + 1) if ids[i:i + len(part)] == part
            for j in range(len(part))]


def test_multihop_fails_where_attention_cannot_see_the_purchase_or_the_answer():
    tok = tokenizer_frontier()
    for index in range(2):
        sample = sample_cached("story_multihop", index, LENGTH)
        seen = model_answer(model=model(), sample=sample)
        assert score_output(task="story_multihop", sample=sample, output=seen.text).value == 1.0
        ids = [tok.token_id(token="<bos>")] + tok.encode(text=sample.prompt)
        context_end = ids.index(tok.token_id(token="</context>"))
        for item in (sample.queries[0], sample.gold):  # the queried item (find), the answer (item)
            hidden = [i for i in _occurrences(ids, tok.encode(text=" " + item)) if i < context_end]
            assert hidden
            blind = _blind(hidden)
            blinded = model_answer(model=model(), sample=sample, attention=blind, decode_attention=blind)
            assert score_output(task="story_multihop", sample=sample, output=blinded.text).value == 0.0


def test_multihop_fails_without_the_find_heads_attention():
    _, heads = layer_roles(config=model().config, layer=3)
    finds = [h for h, role in enumerate(heads) if role.kind == "hop_find"]
    assert len(finds) == 3

    def no_find(q, k, v, *, layer, causal):
        """Dense attention; layer 3's find heads read nothing (as resting on the zero-valued sink)."""
        out = attention_dense(q, k, v, layer=layer, causal=causal)
        if layer == 3:
            out = out.clone()
            out[:, finds] = 0.0
        return out

    sample = sample_cached("story_multihop", 0, LENGTH)
    blinded = model_answer(model=model(), sample=sample, attention=no_find, decode_attention=no_find)
    assert score_output(task="story_multihop", sample=sample, output=blinded.text).value == 0.0
