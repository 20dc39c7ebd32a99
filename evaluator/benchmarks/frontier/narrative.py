"""The story generator: chapters that each visit a place, meet a person, buy one item, maybe sell one."""

from __future__ import annotations

import random
from dataclasses import dataclass

from . import story_text
from .lexicon import Lexicon
from .tokenizer import tokenizer_frontier

#: The harness's limits: at most 2000 chapters, 100 draws for a new (place, person) pair, 1000 for an item.
MAX_CHAPTERS, PAIR_TRIES, ITEM_TRIES = 2000, 100, 1000
#: Chat sentences per chapter and the chance of selling an older item (harness NarrativeGenerator).
TALK_SENTENCES, SELL_PROBABILITY = 3, 0.5
CHAPTER_SEPARATOR = "\n\n"


@dataclass(frozen=True)
class Chapter:
    """One chapter: its number, place, person, event, the item bought, the item sold (or None), sentences."""

    number: int
    place: str
    person: str
    event: str
    bought: str
    sold: str | None
    sentences: tuple[str, ...]
    purchase_at: int


def chapter_text(*, chapter: Chapter, purchase: bool = True) -> str:
    """The chapter's text: a "Chapter N:" line, then its sentences (purchase left out unless `purchase`)."""
    kept = [s for i, s in enumerate(chapter.sentences) if purchase or i != chapter.purchase_at]
    return f"Chapter {chapter.number}:\n" + " ".join(kept)


def _item_new(*, rng: random.Random, lex: Lexicon, seen: set[str]) -> str:
    """A new "adjective material kind" item not in `seen` (added to it)."""
    for _ in range(ITEM_TRIES):
        parts = (rng.choice(lex.item_adjectives), rng.choice(lex.item_materials), rng.choice(lex.item_kinds))
        item = " ".join(parts)
        if item not in seen:
            seen.add(item)
            return item
    raise ValueError("story: could not draw a new unique item")


def _chapter_make(
    *, rng: random.Random, lex: Lexicon, number: int, hero: str, pairs: set[tuple[str, str]],
    seen: set[str], inventory: list[str],
) -> Chapter:
    """The next chapter, updating the used pairs, the seen items and the inventory."""
    for _ in range(PAIR_TRIES):
        place, person = rng.choice(lex.places), rng.choice(lex.names)
        if (place, person) not in pairs:
            pairs.add((place, person))
            break
    else:
        raise ValueError("story: could not draw a new unique (place, person) pair")
    event = rng.choice(lex.events)
    slots = {"hero": hero, "place": place, "person": person, "event": event}

    def fill(template: str, **extra: str) -> str:
        """`template` with the chapter's slots (and `extra`) filled in."""
        return template.format(**slots, **extra)

    sentences = [fill(rng.choice(group)) for group in
                 (story_text.ARRIVALS, story_text.REASONS, story_text.EVENT_LINES, story_text.ENCOUNTERS)]
    sentences += [fill(t) for t in rng.sample(story_text.TALKS, TALK_SENTENCES)]
    bought = _item_new(rng=rng, lex=lex, seen=seen)
    inventory.append(bought)
    purchase_at = len(sentences)
    sentences.append(fill(rng.choice(story_text.PURCHASES), item=bought))
    older = [item for item in inventory if item != bought]
    sold = None
    if older and rng.random() < SELL_PROBABILITY:
        sold = rng.choice(older)
        inventory.remove(sold)
        sentences.append(fill(rng.choice(story_text.SALES), item=sold))
    sentences += [fill(rng.choice(group)) for group in
                  (story_text.FAREWELLS, story_text.CLOSINGS, story_text.ASIDES)]
    return Chapter(number=number, place=place, person=person, event=event, bought=bought, sold=sold,
                   sentences=tuple(sentences), purchase_at=purchase_at)


def narrative_make(*, rng: random.Random, lex: Lexicon, budget: int, hero: str) -> list[Chapter]:
    """Chapters in order, added while the story (chapters joined by a blank line) fits in `budget` tokens."""
    tok = tokenizer_frontier()
    pairs: set[tuple[str, str]] = set()
    seen: set[str] = set()
    inventory: list[str] = []
    chapters: list[Chapter] = []
    used = 0
    while True:
        if len(chapters) >= MAX_CHAPTERS:
            raise ValueError(f"story: the length needs more than {MAX_CHAPTERS} chapters")
        chapter = _chapter_make(rng=rng, lex=lex, number=len(chapters) + 1, hero=hero, pairs=pairs,
                                seen=seen, inventory=inventory)
        cost = tok.count(text=CHAPTER_SEPARATOR + chapter_text(chapter=chapter))
        if used + cost > budget:
            return chapters
        chapters.append(chapter)
        used += cost


def narrative_text(*, chapters: list[Chapter], without_purchase: frozenset[int] = frozenset()) -> str:
    """The story: chapters joined by a blank line, the purchase left out of chapters in `without_purchase`."""
    return CHAPTER_SEPARATOR.join(
        chapter_text(chapter=c, purchase=c.number not in without_purchase) for c in chapters
    )
