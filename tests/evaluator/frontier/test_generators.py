"""The sample generators: seeded, filling 90-100% of the target length, failing clearly when impossible."""

from __future__ import annotations

import pytest
from sb_frontier import DEV_SEED, context_of, questions_of, sample_cached

from evaluator.benchmarks.frontier import sample_make, task_names, tokenizer_frontier


@pytest.mark.parametrize("task", task_names())
def test_sample_make_is_deterministic_for_seed_and_index(task):
    again = sample_make(task=task, index=1, seed=DEV_SEED, length=4096)
    assert again == sample_cached(task, 1, 4096)


@pytest.mark.parametrize("task", task_names())
def test_sample_make_differs_across_seeds_and_indices(task):
    base = sample_cached(task, 0, 4096)
    assert sample_cached(task, 0, 4096, seed=DEV_SEED + 1000).prompt != base.prompt
    assert sample_cached(task, 1, 4096).prompt != base.prompt


@pytest.mark.parametrize("length", [4096, 8192])
@pytest.mark.parametrize("task", task_names())
def test_sample_make_fills_ninety_to_hundred_percent(task, length):
    sample = sample_cached(task, 0, length)
    assert sample.n_tokens == tokenizer_frontier().count(text=sample.prompt)
    assert 0.9 * length <= sample.n_tokens <= length


@pytest.mark.parametrize("task", ["ruler_cwe", "story_filtering"])
def test_sample_make_fills_a_16k_prompt(task):
    sample = sample_cached(task, 2, 16384)
    assert 0.9 * 16384 <= sample.n_tokens <= 16384


@pytest.mark.parametrize("task", task_names())
def test_sample_make_asks_the_question_before_and_after_the_context(task):
    prompt = sample_cached(task, 0, 4096).prompt
    before, after = questions_of(prompt)
    assert before == after
    assert prompt.index("<question>") < prompt.index("<context>") < prompt.rindex("<question>")
    assert "<answer>" in prompt.split("</context>", 1)[1]
    assert context_of(prompt)


@pytest.mark.parametrize("task", task_names())
def test_sample_make_rejects_a_length_too_short(task):
    with pytest.raises(ValueError, match=task):
        sample_make(task=task, index=0, seed=DEV_SEED, length=300)


def test_sample_make_rejects_unknown_task_and_bad_arguments():
    with pytest.raises(ValueError, match="unknown frontier task"):
        sample_make(task="ruler_qa", index=0, seed=1, length=4096)
    with pytest.raises(ValueError, match="length"):
        sample_make(task="ruler_vt", index=0, seed=1, length=0)
    with pytest.raises(ValueError, match="index"):
        sample_make(task="ruler_vt", index=-1, seed=1, length=4096)


def test_cwe_rejects_a_length_beyond_its_word_list():
    with pytest.raises(ValueError, match="cwe_words.txt"):
        sample_make(task="ruler_cwe", index=0, seed=DEV_SEED, length=200000)
