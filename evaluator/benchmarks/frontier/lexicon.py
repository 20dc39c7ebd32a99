"""The word and name lists that ship with the frontier tasks (data/), loaded once and checked."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"

_LOWER_WORD = re.compile(r"[a-z]+")
_NAME = re.compile(r"[A-Z][a-z]+")


@dataclass(frozen=True)
class Lexicon:
    """The lists: common-word candidates, story people, places, events and item parts."""

    words: tuple[str, ...]
    names: tuple[str, ...]
    places: tuple[str, ...]
    events: tuple[str, ...]
    item_adjectives: tuple[str, ...]
    item_materials: tuple[str, ...]
    item_kinds: tuple[str, ...]


def _lines(*, name: str) -> tuple[str, ...]:
    """Non-empty stripped lines of the data file `name`."""
    text = (DATA_DIR / name).read_text(encoding="ascii")
    return tuple(line.strip() for line in text.splitlines() if line.strip())


def _checked(*, values: tuple[str, ...], pattern: re.Pattern[str], what: str) -> tuple[str, ...]:
    """`values` after checking that they are unique and each matches `pattern`."""
    bad = [v for v in values if not pattern.fullmatch(v)]
    if bad:
        raise ValueError(f"{what}: malformed entries {bad[:5]!r}")
    if len(set(values)) != len(values):
        raise ValueError(f"{what}: duplicate entries")
    return values


@cache
def lexicon_load() -> Lexicon:
    """The shipped lists, validated (unique entries, plain ASCII words)."""
    items = json.loads((DATA_DIR / "story_items.json").read_text(encoding="ascii"))
    events = _lines(name="story_events.txt")
    for event in events:
        if not re.fullmatch(r"[a-z]+( [a-z]+)*", event):
            raise ValueError(f"story_events.txt: malformed event {event!r}")
    return Lexicon(
        words=_checked(values=_lines(name="cwe_words.txt"), pattern=_LOWER_WORD, what="cwe_words.txt"),
        names=_checked(values=_lines(name="story_names.txt"), pattern=_NAME, what="story_names.txt"),
        places=_checked(values=_lines(name="story_places.txt"), pattern=_NAME, what="story_places.txt"),
        events=events,
        item_adjectives=_checked(values=tuple(items["adjectives"]), pattern=_LOWER_WORD, what="adjectives"),
        item_materials=_checked(values=tuple(items["materials"]), pattern=_LOWER_WORD, what="materials"),
        item_kinds=_checked(values=tuple(items["kinds"]), pattern=_LOWER_WORD, what="kinds"),
    )
