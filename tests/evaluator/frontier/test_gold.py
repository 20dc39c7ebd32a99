"""Gold answers agree with the prompt text: each one is recomputed by parsing the context independently."""

from __future__ import annotations

import re
from collections import Counter

import pytest
from sb_frontier import context_of, questions_of, sample_cached, story_parse

from evaluator.benchmarks.frontier.story_text import HERO

INDICES = (0, 1, 2)


@pytest.mark.parametrize("index", INDICES)
def test_niah_gold_value_follows_its_key_in_the_context(index):
    sample = sample_cached("ruler_niah", index, 4096)
    pairs = re.findall(r"The value for key ([a-z0-9-]+) is: ([a-z0-9-]+)\.", context_of(sample.prompt))
    keys = [k for k, _ in pairs]
    assert len(keys) == len(set(keys)) > 4  # distractor needles of the same form
    lookup = dict(pairs)
    assert [lookup[k] for k in sample.queries] == list(sample.answers)
    assert all(re.fullmatch(r"[a-z0-9]{8}(-[a-z0-9]{8}){3}", s) for s in sample.queries + sample.answers)
    assert questions_of(sample.prompt)[0].endswith(", ".join(sample.queries))


@pytest.mark.parametrize("index", INDICES)
def test_vt_gold_is_the_chain_resolved_from_the_text(index):
    sample = sample_cached("ruler_vt", index, 4096)
    context = context_of(sample.prompt)
    direct = dict(re.findall(r"VAR ([A-Z]+) = (\d+)\.", context))
    copies = dict(re.findall(r"VAR ([A-Z]+) = VAR ([A-Z]+)\.", context))
    assert len(direct) == 8 and len(copies) == 32

    def resolve(name: str) -> str:
        """Follow copies back to a number."""
        while name in copies:
            name = copies[name]
        return direct[name]

    (target,) = sample.queries
    holders = {n for n in set(direct) | set(copies) if resolve(n) == target}
    assert holders == set(sample.answers) and len(holders) == 5
    assert f"hold the value {target}?" in questions_of(sample.prompt)[0]
    assert "The hills are quiet." in context


@pytest.mark.parametrize("index", INDICES)
def test_cwe_gold_words_are_the_ones_counted_thirty_times(index):
    sample = sample_cached("ruler_cwe", index, 4096)
    lines = context_of(sample.prompt).split("\n")
    numbered = [re.fullmatch(r"(\d+)\. ([a-z]+)", line).groups() for line in lines]
    assert [int(n) for n, _ in numbered] == list(range(1, len(lines) + 1))
    counts = Counter(word for _, word in numbered)
    assert {w for w, c in counts.items() if c == 30} == set(sample.answers)
    assert set(counts.values()) == {30, 3}
    assert sample.gold.split("\n") == [f"{i}. {w}" for i, w in enumerate(sample.answers, start=1)]


def _chapters(task: str, index: int, length: int = 4096):
    """The parsed chapters of a story sample, after checking the story's invariants."""
    sample = sample_cached(task, index, length)
    chapters = story_parse(context_of(sample.prompt))
    assert [c.number for c in chapters] == list(range(1, len(chapters) + 1))
    for c in chapters:
        assert len(c.places) == 1 and len(c.people) == 1 and len(c.bought) <= 1 and len(c.sold) <= 1
    pairs = [(c.places[0], c.people[0]) for c in chapters]
    assert len(pairs) == len(set(pairs))
    bought = [c.bought[0] for c in chapters if c.bought]
    assert len(bought) == len(set(bought))
    return sample, chapters


@pytest.mark.parametrize("index", INDICES)
def test_story_retrieval_gold_is_read_back_from_each_asked_chapter(index):
    sample, chapters = _chapters("story_retrieval", index)
    assert all(len(c.bought) == 1 for c in chapters)
    asked = re.findall(r"^(\d+)\. .* in Chapter (\d+)\?$", questions_of(sample.prompt)[0], flags=re.MULTILINE)
    assert [int(n) for n, _ in asked] == list(range(1, 17))
    for (_, number), query, answer in zip(asked, sample.queries, sample.answers, strict=True):
        kind, chapter_number = query.split(":")
        assert chapter_number == number
        chapter = chapters[int(number) - 1]
        expected = {"location": chapter.places[0], "character": chapter.people[0], "item": chapter.bought[0]}
        assert answer == expected[kind]
    assert HERO not in sample.answers


@pytest.mark.parametrize("index", INDICES)
def test_story_multihop_gold_is_the_purchase_of_the_previous_chapter(index):
    sample, chapters = _chapters("story_multihop", index)
    (target,) = sample.queries
    assert f"before buying the {target}?" in questions_of(sample.prompt)[0]
    (where,) = [c.number for c in chapters if target in c.bought]
    assert where > 1
    assert sample.answers == chapters[where - 2].bought == (sample.gold,)


@pytest.mark.parametrize("index", INDICES)
def test_story_filtering_gold_is_the_chapters_without_a_purchase(index):
    sample, chapters = _chapters("story_filtering", index)
    empty = [str(c.number) for c in chapters if not c.bought]
    assert tuple(empty) == sample.answers and len(empty) == 3
    assert sample.gold == ", ".join(empty)
    assert "Exactly 3 chapters have no purchase." in questions_of(sample.prompt)[0]


def test_story_filtering_keeps_later_sales_of_removed_purchases():
    found = False
    for index in range(12):
        sample, chapters = _chapters("story_filtering", index)
        ever_bought = {item for c in chapters for item in c.bought}
        found = found or any(item not in ever_bought for c in chapters for item in c.sold)
    assert found
