"""ruler_cwe and the wired model's common-word heads: generator, scorer, counting through attention."""

from __future__ import annotations

import random
import re
from collections import Counter
from functools import cache

import pytest
import torch
from sb_frontier import context_of, sample_cached

from evaluator.benchmarks.frontier import score_output, task_names, texts, tokenizer_frontier
from evaluator.benchmarks.frontier.cwe import COMMON_FREQ, RARE_FREQ
from evaluator.benchmarks.frontier.lexicon import lexicon_load
from evaluator.benchmarks.frontier.model import WiredModel
from evaluator.benchmarks.frontier.model.aggregate import GATE_TOKEN
from evaluator.benchmarks.frontier.model.protocol import model_answer

SHORT = 2200


@cache
def model() -> WiredModel:
    """The default model, built once."""
    return WiredModel(tokenizer=tokenizer_frontier())


def test_cwe_list_words_are_single_tokens_after_a_space():
    tok = tokenizer_frontier()
    assert all(len(tok.encode(text=f"1. {w}")) == 3 for w in lexicon_load().words)


def test_cwe_rare_words_fill_the_length_as_the_harness_searches():
    """One more rare word (RARE_FREQ lines) would not fit: the harness's search keeps the largest count."""
    sample = sample_cached("ruler_cwe", 0, 4096)
    lines = context_of(sample.prompt).split("\n")
    counts = Counter(line.split(". ", 1)[1] for line in lines)
    unused = next(w for w in lexicon_load().words if w not in counts)
    more = "\n".join(
        texts.CWE_LINE.format(number=len(lines) + k, word=unused) for k in range(1, RARE_FREQ + 1)
    )
    longer = sample.prompt.replace("\n</context>", "\n" + more + "\n</context>", 1)
    assert tokenizer_frontier().count(text=longer) > sample.length
    assert Counter(counts.values()) == {COMMON_FREQ: 10, RARE_FREQ: len(counts) - 10}


def test_cwe_gate_word_is_in_cwe_prompts_and_no_other_task():
    tok = tokenizer_frontier()
    gate = tok.token_id(token=GATE_TOKEN)
    for task in task_names():
        for index in (0, 1):
            ids = tok.encode(text=sample_cached(task, index, 4096).prompt)
            assert (gate in ids) == (task == "ruler_cwe"), (task, index)


def _iou_reference(output: str, answers: tuple[str, ...]) -> float:
    """The harness's rule written again: the first <answer> block's numbered lines, lower-cased; IoU."""
    start, end = output.lower().find("<answer>"), output.lower().find("</answer>")
    if start < 0 or end < start:
        return 0.0
    words = set()
    for line in output[start + len("<answer>") : end].splitlines():
        m = re.match(r"\s*\d+[.)\-]?\s*(\S.*?)\s*$", line)
        if m:
            words.add(m.group(1).lower())
    gold = {a.lower() for a in answers}
    return len(words & gold) / len(words | gold) if words | gold else 0.0


def test_cwe_score_matches_a_reference_iou_on_random_replies():
    sample = sample_cached("ruler_cwe", 0, 4096)
    pool = list(sample.answers) + ["zebra", "quill", "Harbor"]
    rng = random.Random(5)
    for _ in range(200):
        chosen = rng.sample(pool, rng.randint(0, len(pool)))
        body = "\n".join(
            f"{i}{rng.choice(['.', ')', '-', ''])} {w.upper() if rng.random() < 0.2 else w}"
            for i, w in enumerate(chosen, start=1)
        )
        output = f"because\n<answer>\n{body}\n</answer>" if rng.random() < 0.9 else body
        expected = _iou_reference(output, sample.answers)
        assert score_output(task="ruler_cwe", sample=sample, output=output).value == pytest.approx(expected)


def test_cwe_answer_needs_every_occurrence_of_a_word():
    """Hiding all but two occurrences of one common word from every attention drops it from the reply."""
    sample = sample_cached("ruler_cwe", 1, SHORT)
    tok = tokenizer_frontier()
    ids = [tok.token_id(token="<bos>")] + tok.encode(text=sample.prompt)
    word = tok.token_id(token=" " + sample.answers[0])
    end = ids.index(tok.token_id(token="</context>"))
    hidden = [j for j in range(end) if ids[j] == word][:-2]
    assert len(hidden) == COMMON_FREQ - 2

    def blind(q, k, v, *, layer, causal):
        """Dense attention with the hidden occurrences' keys removed (values zeroed, logits -inf)."""
        keep = torch.ones(k.shape[2], dtype=torch.bool)
        keep[hidden] = False
        return _masked(q, k, v, keep)

    seen = model_answer(model=model(), sample=sample)
    blinded = model_answer(model=model(), sample=sample, attention=blind, decode_attention=blind)
    assert score_output(task="ruler_cwe", sample=sample, output=seen.text).value == 1.0
    assert f" {sample.answers[0]}\n" not in blinded.text
    assert score_output(task="ruler_cwe", sample=sample, output=blinded.text).value < 1.0


def _masked(q, k, v, keep):
    """Causal attention (the last query on the last key) with the key columns outside `keep` masked."""
    n_q, n_k, g = q.shape[2], k.shape[2], q.shape[1] // k.shape[1]
    mask = (torch.arange(n_k)[None, :] <= torch.arange(n_q)[:, None] + (n_k - n_q)) & keep[None, :]
    kk, vv = k.repeat_interleave(g, dim=1), v.repeat_interleave(g, dim=1)
    return torch.nn.functional.scaled_dot_product_attention(q, kk, vv, attn_mask=mask)
