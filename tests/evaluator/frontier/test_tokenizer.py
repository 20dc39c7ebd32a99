"""The closed word-level tokenizer: fixed ids, exact round trip, fixed token counts for keys and names."""

from __future__ import annotations

import pytest
from sb_frontier import sample_cached

from evaluator.benchmarks.frontier import task_names, tokenizer_frontier
from evaluator.benchmarks.frontier.tokenizer import WordTokenizer, vocabulary_words


def test_tokenizer_ids_are_deterministic_across_builds():
    first, second = WordTokenizer(words=vocabulary_words()), WordTokenizer(words=vocabulary_words())
    assert first.digest == second.digest
    assert first.vocab_size == second.vocab_size == tokenizer_frontier().vocab_size


def test_tokenizer_structure_tokens_are_single_fixed_ids():
    tok = tokenizer_frontier()
    for token, expected in (("<pad>", 0), ("<unk>", 1), ("<bos>", 2), ("<eos>", 3)):
        assert tok.token_id(token=token) == expected
    for tag in ("<context>", "</context>", "<answer>", "</answer>", "<question>", "</question>"):
        assert tok.encode(text=tag) == [tok.token_id(token=tag)]
        assert tok.token_id(token=tag) < tok.layout["spaces"]


@pytest.mark.parametrize("task", task_names())
def test_tokenizer_round_trips_every_task_prompt_without_unknowns(task):
    tok = tokenizer_frontier()
    prompt = sample_cached(task, 0, 4096).prompt
    ids = tok.encode(text=prompt)
    assert tok.decode(ids=ids) == prompt
    assert tok.token_id(token="<unk>") not in ids


def test_tokenizer_key_is_nineteen_tokens_of_pairs_and_dashes():
    tok = tokenizer_frontier()
    key = "ab12cd34-00000000-zzzzzzzz-9a9a9a9a"
    ids = tok.encode(text=key)
    assert len(ids) == 19
    pair_base = tok.layout["pairs"]
    assert ids[0] == pair_base + 36 * 0 + 1  # "ab"
    assert [tok.id_string(token_id=i) for i in ids[:5]] == ["ab", "12", "cd", "34", "-"]
    assert tok.encode(text=" " + key) == [tok.token_id(token=" ")] + ids


def test_tokenizer_spells_names_and_numbers_one_token_per_character():
    tok = tokenizer_frontier()
    assert len(tok.encode(text="QZXWV")) == 5
    assert len(tok.encode(text="24680")) == 5
    assert [tok.id_string(token_id=i) for i in tok.encode(text="VAR QZXWV = 7")] == [
        "VAR", " ", "Q", "Z", "X", "W", "V", " ", "=", " ", "7"]


def test_tokenizer_space_belongs_to_the_following_word():
    tok = tokenizer_frontier()
    assert [tok.id_string(token_id=i) for i in tok.encode(text="The value is")] == ["The", " value", " is"]
    spaced, plain = tok.token_id(token=" value"), tok.token_id(token="value")
    assert spaced - tok.layout["sp_words"] == plain - tok.layout["words"]


def test_tokenizer_unknown_characters_become_unk_and_unknown_words_are_spelled():
    tok = tokenizer_frontier()
    assert tok.encode(text="\u00e9") == [tok.token_id(token="<unk>")]
    ids = tok.encode(text="qqzzx")
    assert len(ids) == 5 and tok.decode(ids=ids) == "qqzzx"


def test_tokenizer_decode_skips_padding_and_rejects_bad_ids():
    tok = tokenizer_frontier()
    assert tok.decode(ids=[0, 2] + tok.encode(text="The road") + [3, 0]) == "The road"
    with pytest.raises(ValueError, match="outside"):
        tok.decode(ids=[tok.vocab_size])
    with pytest.raises(ValueError, match="not in the vocabulary"):
        tok.token_id(token="zzzzqq")


def test_tokenizer_rejects_a_malformed_word_list():
    with pytest.raises(ValueError, match="letter runs"):
        WordTokenizer(words=("apple", "ice-cream"))
    with pytest.raises(ValueError, match="sorted and unique"):
        WordTokenizer(words=("pear", "apple"))
