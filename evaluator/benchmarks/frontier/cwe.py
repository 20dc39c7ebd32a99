"""ruler_cwe: common-word extraction from a numbered list of frequent and rare words."""

from __future__ import annotations

import random

from . import texts
from .lexicon import lexicon_load
from .sample import Sample, budget_left, length_check, sample_finish
from .tokenizer import tokenizer_frontier

TASK = "ruler_cwe"
#: Common words, their frequency, the rare words' frequency (harness config ruler_cwe.yaml).
NUM_COMMON, COMMON_FREQ, RARE_FREQ = 10, 30, 3


def _render(*, context: str) -> str:
    """The prompt over the numbered list `context`."""
    return texts.prompt_render(
        intro=texts.CWE_INTRO, many=False,
        question=texts.CWE_QUESTION.format(common=NUM_COMMON, common_freq=COMMON_FREQ, rare_freq=RARE_FREQ),
        context=context, answer_format=texts.CWE_ANSWER_FORMAT.format(common=NUM_COMMON),
        rules=texts.CWE_RULES.format(common=NUM_COMMON),
    )


def _line_tokens(*, number: int) -> int:
    """Tokens of list line `number` ("\\n" unless first, one per digit, ".", one spaced word)."""
    return (number > 1) + len(str(number)) + 2


def sample_make(*, task: str = TASK, index: int, seed: int, length: int) -> Sample:
    """Sample `index` of ruler_cwe at `length` tokens, from random.Random(seed + index)."""
    if task != TASK:
        raise ValueError(f"cwe makes {TASK!r}, not {task!r}")
    length_check(length=length)
    rng = random.Random(seed + index)
    words = list(lexicon_load().words)
    rng.shuffle(words)
    common, rare = words[:NUM_COMMON], words[NUM_COMMON:]
    overhead = tokenizer_frontier().count(text=_render(context=""))
    lines = NUM_COMMON * COMMON_FREQ
    needed = sum(_line_tokens(number=n) for n in range(1, lines + 1))
    left = budget_left(task=TASK, length=length, overhead=overhead, needed=needed)
    num_rare = 0
    while num_rare < len(rare):
        cost = sum(_line_tokens(number=lines + k) for k in range(1, RARE_FREQ + 1))
        if cost > left:
            break
        left -= cost
        lines += RARE_FREQ
        num_rare += 1
    if num_rare == 0:
        raise ValueError(f"{TASK}: length {length} leaves no room for a rare word")
    if num_rare == len(rare) and length - left < 0.9 * length:
        raise ValueError(
            f"{TASK}: length {length} needs more than the {len(rare)} rare words of data/cwe_words.txt"
        )
    listed = common * COMMON_FREQ + rare[:num_rare] * RARE_FREQ
    rng.shuffle(listed)
    context = "\n".join(texts.CWE_LINE.format(number=n, word=w) for n, w in enumerate(listed, start=1))
    gold = "\n".join(texts.CWE_LINE.format(number=n, word=w) for n, w in enumerate(common, start=1))
    return sample_finish(
        task=TASK, index=index, seed=seed, length=length, prompt=_render(context=context),
        gold=gold, answers=tuple(common), queries=(),
    )
