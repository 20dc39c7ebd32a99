"""The wired model on story_retrieval: its protocol, the chapter head's recency, reads through attention."""

from __future__ import annotations

from functools import cache

import torch
from sb_frontier import sample_cached

from evaluator.benchmarks.frontier import score_output, tokenizer_frontier
from evaluator.benchmarks.frontier.model import WiredModel
from evaluator.benchmarks.frontier.model.chapters import recency_weights, role_table
from evaluator.benchmarks.frontier.model.protocol import STORY_KINDS, answer_steps, model_answer
from evaluator.benchmarks.frontier.model.rope import rope_frequencies

#: The shortest prompt that holds story_retrieval's 16 chapters (dev seed, samples 0-5).
LENGTH = 3200


@cache
def model() -> WiredModel:
    """The default model, built once."""
    return WiredModel(tokenizer=tokenizer_frontier())


def test_story_protocol_writes_each_questions_chapter_and_kind_never_an_answer():
    sample = sample_cached("story_retrieval", 0, LENGTH)
    forced = "".join(step.force for step in answer_steps(sample=sample))
    for number, query in enumerate(sample.queries, start=1):
        kind, chapter = query.split(":")
        assert f"Chapter {chapter}: {STORY_KINDS[kind][0]}\n{number}." in forced
    assert not any(answer in forced for answer in sample.answers)


def test_chapter_head_recency_prefers_the_last_marker_and_the_last_cue():
    theta = rope_frequencies(rotary_dim=32, base=10000.0)
    weights = recency_weights(rotary_dim=32).to(torch.float64)
    back = torch.arange(20000, dtype=torch.float64)
    bias = torch.cos(back[:, None] * theta[None]) @ weights
    assert float(bias[0] - bias[:201].min()) <= 1.0 + 1e-3  # the spread the content logit must beat
    cue = min(float(bias[d] - bias[d + 10:].max()) for d in range(8))
    chapter = min(float(bias[d] - bias[d + 125:].max()) for d in range(0, 201))
    assert cue > 0.2 and chapter > 0.2


def test_story_roles_tag_places_people_and_item_words_only():
    tok = tokenizer_frontier()
    table = role_table(tokenizer=tok)
    sample = sample_cached("story_retrieval", 0, LENGTH)
    for query, answer in zip(sample.queries, sample.answers, strict=True):
        kind = query.split(":")[0]
        ids = tok.encode(text=" " + answer)
        columns = {"location": [0], "character": [1], "item": [2, 3, 4]}[kind]
        assert [int(table[i].argmax()) for i in ids] == columns and all(table[i].sum() == 1 for i in ids)
    assert table[tok.token_id(token=" Aurel")].sum() == 0 and table[tok.token_id(token=" the")].sum() == 0


def test_story_answer_breaks_where_attention_cannot_see_the_chapters_answer():
    sample = sample_cached("story_retrieval", 1, LENGTH)
    tok = tokenizer_frontier()
    ids = [tok.token_id(token="<bos>")] + tok.encode(text=sample.prompt)
    chapter = int(sample.queries[0].split(":")[1])
    starts = [i for i, t in enumerate(ids) if t == tok.token_id(token="Chapter")]
    start, stop = starts[chapter - 1], starts[chapter] if chapter < len(starts) else len(ids)
    answer = tok.encode(text=" " + sample.answers[0])
    hidden = [i for i in range(start, stop) if ids[i:i + len(answer)] == answer]
    assert hidden

    def blind(q, k, v, *, layer, causal):
        """Dense attention with the first answer's words in its chapter masked out of every key set."""
        n_q, n_k = q.shape[2], k.shape[2]
        mask = torch.arange(n_k)[None, :] <= torch.arange(n_q)[:, None] + (n_k - n_q)
        for i in hidden:
            mask[:, i:i + len(answer)] = False
        return torch.nn.functional.scaled_dot_product_attention(q, k, v, attn_mask=mask, enable_gqa=True)

    seen = model_answer(model=model(), sample=sample)
    blinded = model_answer(model=model(), sample=sample, attention=blind, decode_attention=blind)
    assert score_output(task="story_retrieval", sample=sample, output=seen.text).value == 1.0
    lines = [line for line in blinded.text.splitlines() if line[:1].isdigit()]
    assert lines[0] != f"1. {sample.answers[0]}"
    right = sum(line == f"{n}. {a}" for n, (line, a) in enumerate(zip(lines, sample.answers, strict=True), 1))
    assert right >= len(sample.answers) - 2
