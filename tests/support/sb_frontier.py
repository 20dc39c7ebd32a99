"""Helpers of the frontier tests: cached samples, a story parser to recompute gold answers."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from evaluator.benchmarks.frontier import Sample, sample_make
from evaluator.benchmarks.frontier.lexicon import lexicon_load
from evaluator.benchmarks.frontier.model.protocol import SUPPORTED_TASKS

DEV_SEED = 43
#: The scored tasks whose samples fit the end-to-end tests' short prompts (1,024-1,280 tokens): ruler_cwe
#: needs 2,100 tokens and story_retrieval's 16 chapters 3,200; test_model runs them densely at those.
SHORT_TASKS = tuple(task for task in SUPPORTED_TASKS if task in ("ruler_niah", "ruler_vt"))


@cache
def sample_cached(task: str, index: int, length: int, seed: int = DEV_SEED) -> Sample:
    """One generated sample, made once per test session."""
    return sample_make(task=task, index=index, seed=seed, length=length)


def context_of(prompt: str) -> str:
    """The text between <context> and </context> (exactly one block)."""
    assert prompt.count("<context>") == 1 and prompt.count("</context>") == 1
    return prompt.split("<context>\n", 1)[1].split("\n</context>", 1)[0]


def questions_of(prompt: str) -> list[str]:
    """The texts of the <question> blocks."""
    return re.findall(r"<question>\n(.*?)\n</question>", prompt, flags=re.DOTALL)


@dataclass(frozen=True)
class ParsedChapter:
    """What the text of one chapter says: its number, place, person, purchases and sales."""

    number: int
    places: tuple[str, ...]
    people: tuple[str, ...]
    bought: tuple[str, ...]
    sold: tuple[str, ...]


def story_parse(context: str) -> list[ParsedChapter]:
    """Read the chapters back from the story text with the shipped lists only (not the generator)."""
    lex = lexicon_load()
    item = re.compile(
        r"\b(?:{})\s(?:{})\s(?:{})\b".format(
            "|".join(lex.item_adjectives), "|".join(lex.item_materials), "|".join(lex.item_kinds)
        )
    )
    chapters = []
    blocks = context.split("\n\n")
    for block in blocks:
        head, body = block.split("\n", 1)
        number = int(re.fullmatch(r"Chapter (\d+):", head).group(1))
        words = set(re.findall(r"[A-Za-z]+", body))
        bought, sold = [], []
        for sentence in re.split(r"(?<=\.) ", body):
            for found in item.findall(sentence):
                (sold if re.search(r"\b(?:sold|selling)\b", sentence) else bought).append(found)
        chapters.append(ParsedChapter(
            number=number, places=tuple(p for p in lex.places if p in words),
            people=tuple(n for n in lex.names if n in words), bought=tuple(bought), sold=tuple(sold),
        ))
    return chapters
