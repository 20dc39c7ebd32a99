"""The wired retrieval model: deterministic, causal, GQA-shaped; every read of the context is attention."""

from __future__ import annotations

from functools import cache

import pytest
import torch
from sb_frontier import sample_cached

from evaluator.benchmarks.frontier import score_output, tokenizer_frontier
from evaluator.benchmarks.frontier.model import WiredConfig, WiredModel, attention_dense
from evaluator.benchmarks.frontier.model.protocol import SUPPORTED_TASKS, answer_steps, model_answer

SHORT = {"ruler_niah": 1024, "ruler_vt": 1536, "ruler_cwe": 2200, "story_retrieval": 3200,
         "story_multihop": 1024}


@cache
def model() -> WiredModel:
    """The default model, built once."""
    return WiredModel(tokenizer=tokenizer_frontier())


def ids_of(text: str) -> torch.Tensor:
    """[1, N] ids of <bos> + `text`."""
    tok = tokenizer_frontier()
    return torch.tensor([[tok.token_id(token="<bos>")] + tok.encode(text=text)])


class Recorder:
    """A dense attention hook that records (layer, q shape, k shape, v shape) of every call."""

    def __init__(self) -> None:
        self.calls: list[tuple[int, tuple, tuple, tuple]] = []

    def __call__(self, q, k, v, *, layer, causal):
        self.calls.append((layer, tuple(q.shape), tuple(k.shape), tuple(v.shape)))
        return attention_dense(q, k, v, layer=layer, causal=causal)


def test_model_weights_are_deterministic():
    again = WiredModel(tokenizer=tokenizer_frontier())
    assert torch.equal(again.weights.embed, model().weights.embed)
    for a, b in zip(again.weights.layers, model().weights.layers, strict=True):
        assert torch.equal(a.w_qkv, b.w_qkv) and torch.equal(a.w_out, b.w_out)


def test_model_seed_changes_the_embeddings():
    other = WiredModel(tokenizer=tokenizer_frontier(), config=WiredConfig(seed=1))
    assert not torch.equal(other.weights.embed, model().weights.embed)


def test_model_output_at_t_ignores_later_tokens():
    ids = ids_of(sample_cached("ruler_niah", 0, 1024).prompt)[:, :300]
    changed = ids.clone()
    changed[0, 200:] = torch.flip(ids[0, 200:], dims=(0,))
    a, b = model().forward(ids=ids), model().forward(ids=changed)
    assert torch.equal(a[:, :200], b[:, :200])
    assert not torch.equal(a[:, 200:], b[:, 200:])


def test_model_hook_sees_gqa_shapes_once_per_layer():
    cfg = model().config
    hook = Recorder()
    model().forward(ids=ids_of("The value for key is: one."), attention=hook)
    n = ids_of("The value for key is: one.").shape[1]
    q, kv = (1, cfg.n_heads, n, cfg.head_dim), (1, cfg.n_kv_heads, n, cfg.head_dim)
    assert hook.calls == [(layer, q, kv, kv) for layer in range(cfg.n_layers)]
    assert cfg.n_layers == 5
    assert (cfg.n_heads, cfg.n_kv_heads, cfg.head_dim) == (8, 2, 128)


def test_model_decode_hook_sees_one_query_over_the_cache():
    prompt = ids_of("The value for key is: one. The value")
    _, cache_ = model().prefill(ids=prompt)
    hook = Recorder()
    model().extend(ids=ids_of(" for")[:, 1:], cache=cache_, attention=hook)
    n = prompt.shape[1] + 1
    assert [(c[0], c[1][2], c[2][2]) for c in hook.calls] == [(layer, 1, n) for layer in range(5)]


def test_model_decoding_with_the_cache_equals_the_full_forward():
    ids = ids_of(sample_cached("ruler_niah", 0, 1024).prompt)[:, :400]
    full = model().forward(ids=ids)
    _, cache_ = model().prefill(ids=ids[:, :390])
    for t in range(390, 400):
        step = model().extend(ids=ids[:, t:t + 1], cache=cache_)
        torch.testing.assert_close(step, full[:, t], rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("task", SUPPORTED_TASKS)
@pytest.mark.parametrize("index", [0, 1])
def test_model_solves_short_samples_of_supported_tasks_densely(task, index):
    sample = sample_cached(task, index, SHORT[task])
    answer = model_answer(model=model(), sample=sample)
    assert answer.generated > 0
    assert score_output(task=task, sample=sample, output=answer.text).value == 1.0


def test_model_niah_protocol_writes_the_keys_never_the_values():
    sample = sample_cached("ruler_niah", 0, 1024)
    forced = "".join(step.force for step in answer_steps(sample=sample))
    assert all(key in forced for key in sample.queries)
    assert not any(value in forced for value in sample.answers)


def _span(ids: list[int], part: list[int]) -> range:
    """Positions of the only occurrence of `part` in `ids`."""
    hits = [i for i in range(len(ids) - len(part) + 1) if ids[i:i + len(part)] == part]
    assert len(hits) == 1
    return range(hits[0], hits[0] + len(part))


def test_model_niah_answer_breaks_when_attention_cannot_see_the_needle():
    sample = sample_cached("ruler_niah", 0, 1024)
    tok = tokenizer_frontier()
    ids = ids_of(sample.prompt)[0].tolist()
    hidden = _span(ids, tok.encode(text=sample.answers[0]))

    def blind(q, k, v, *, layer, causal):
        """Dense attention with the first queried value's tokens masked out of every key set."""
        n_q, n_k = q.shape[2], k.shape[2]
        mask = torch.arange(n_k)[None, :] <= torch.arange(n_q)[:, None] + (n_k - n_q)
        mask[:, hidden.start:hidden.stop] = False
        mask[:, 0] = True
        return torch.nn.functional.scaled_dot_product_attention(q, k, v, attn_mask=mask, enable_gqa=True)

    seen = model_answer(model=model(), sample=sample)
    blinded = model_answer(model=model(), sample=sample, attention=blind, decode_attention=blind)
    assert sample.answers[0] in seen.text
    assert sample.answers[0] not in blinded.text
    assert all(value in blinded.text for value in sample.answers[1:])


def test_model_retrieval_head_spreads_attention_over_partial_matches():
    sample = sample_cached("ruler_niah", 0, 1024)
    tok = tokenizer_frontier()
    ids = ids_of(sample.prompt + f"\n<answer>\n1. The answer for {sample.queries[0]} is:")
    probs = {}

    def record(q, k, v, *, layer, causal):
        """Dense attention; keeps layer 1's probabilities of the last query for query head 0."""
        if layer == 1:
            scores = q[0, 0, -1] @ k[0, 0].T / q.shape[-1] ** 0.5
            probs["p"] = torch.softmax(scores, dim=0)
        return attention_dense(q, k, v, layer=layer, causal=causal)

    model().forward(ids=ids, attention=record)
    needle = tok.encode(text=f"{sample.queries[0]} is: {sample.answers[0]}")
    after_colon = _span(ids[0].tolist(), needle).start + needle.index(tok.token_id(token=":")) + 1
    p = probs["p"]
    # the whole n-gram (last key pair, " is", ":") matches once; every other needle shares " is:"
    assert 0.5 < p[after_colon] < 0.99
    assert (p > 1e-3).sum() > 3


@pytest.mark.parametrize("bad", [dict(n_heads=6), dict(n_kv_heads=1, n_heads=8), dict(rotary_dim=31),
                                 dict(n_prev=3), dict(retrieval_beta=0.0), dict(n_layers=2),
                                 dict(vt_slots=4), dict(far_offset=6), dict(vt_phase_drop=(1.0,) * 6)])
def test_wired_config_rejects_bad_shapes(bad):
    with pytest.raises(ValueError):
        WiredConfig(**bad)


def test_model_vt_protocol_writes_the_value_outside_the_answer_and_never_a_name():
    sample = sample_cached("ruler_vt", 0, 1536)
    forced = "".join(step.force for step in answer_steps(sample=sample))
    assert forced.startswith(f"\n{sample.queries[0]}<answer>")
    assert not any(name in forced for name in sample.answers)


def _flag(text: str) -> float:
    """The VAR flag (residual) at the last position of <bos> + `text`."""
    from evaluator.benchmarks.frontier.model.wired import KvCache

    x = model()._layers(x=model()._embed(ids=ids_of(text)), cache=KvCache(), attention=attention_dense)
    return float(x[0, -1, model().weights.layout.slot(name="flags").start])


def test_model_var_flag_is_raised_by_var_statements_only():
    assert _flag(sample_cached("ruler_vt", 0, 1536).prompt) > 0.9
    assert abs(_flag(sample_cached("ruler_niah", 0, 1024).prompt)) < 0.05


def test_model_vt_chain_breaks_where_attention_cannot_see_a_statement():
    sample = sample_cached("ruler_vt", 1, 1536)
    tok = tokenizer_frontier()
    ids = ids_of(sample.prompt)[0].tolist()
    first, second = sample.answers[:2]
    statement = tok.encode(text=f" VAR {second} = VAR {first}.")
    hidden = _span(ids, statement)
    hidden = range(hidden.start + 1, hidden.start + 1 + len(tok.encode(text=f" {second}")))

    def blind(q, k, v, *, layer, causal):
        """Dense attention with name 2 where it is assigned name 1 masked out of every key set."""
        n_q, n_k = q.shape[2], k.shape[2]
        mask = torch.arange(n_k)[None, :] <= torch.arange(n_q)[:, None] + (n_k - n_q)
        mask[:, hidden.start:hidden.stop] = False
        mask[:, 0] = True
        return torch.nn.functional.scaled_dot_product_attention(q, k, v, attn_mask=mask, enable_gqa=True)

    seen = model_answer(model=model(), sample=sample)
    blinded = model_answer(model=model(), sample=sample, attention=blind, decode_attention=blind)
    assert score_output(task="ruler_vt", sample=sample, output=seen.text).value == 1.0
    assert first in blinded.text and second not in blinded.text
    assert score_output(task="ruler_vt", sample=sample, output=blinded.text).value < 0.5
