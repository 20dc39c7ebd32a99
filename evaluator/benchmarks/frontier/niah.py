"""ruler_niah: multi-query key-value retrieval among same-form distractor needles."""

from __future__ import annotations

import random

from . import texts
from .sample import Sample, budget_left, length_check, sample_finish
from .tokenizer import KEY_CHARS, tokenizer_frontier

TASK = "ruler_niah"
#: Queried needles per sample (harness config ruler_niah.yaml: num_queries 4).
NUM_QUERIES = 4
#: A key or value is GROUPS groups of GROUP_CHARS [a-z0-9] characters joined by "-" (harness Needle).
GROUPS, GROUP_CHARS = 4, 8


def _kv_new(*, rng: random.Random, used: set[str]) -> str:
    """A fresh key or value string not in `used` (added to it)."""
    while True:
        kv = "-".join("".join(rng.choices(KEY_CHARS, k=GROUP_CHARS)) for _ in range(GROUPS))
        if kv not in used:
            used.add(kv)
            return kv


def _render(*, keys: list[str], context: str) -> str:
    """The prompt asking for `keys` over `context`."""
    return texts.prompt_render(
        intro=texts.NIAH_INTRO, many=True, question=texts.NIAH_QUESTION.format(keys=", ".join(keys)),
        context=context, answer_format=texts.NIAH_ANSWER_FORMAT, rules=texts.NIAH_RULES,
    )


def sample_make(*, task: str = TASK, index: int, seed: int, length: int) -> Sample:
    """Sample `index` of ruler_niah at `length` tokens, from random.Random(seed + index)."""
    if task != TASK:
        raise ValueError(f"niah makes {TASK!r}, not {task!r}")
    length_check(length=length)
    rng = random.Random(seed + index)
    tok = tokenizer_frontier()
    used_keys: set[str] = set()
    used_values: set[str] = set()
    needles = [(_kv_new(rng=rng, used=used_keys), _kv_new(rng=rng, used=used_values))
               for _ in range(NUM_QUERIES)]
    sentences = [texts.NIAH_NEEDLE.format(key=k, value=v) for k, v in needles]
    rng.shuffle(sentences)
    keys = [k for k, _ in needles]
    overhead = tok.count(text=_render(keys=keys, context=""))
    needed = sum(tok.count(text=" " + s) for s in sentences)
    left = budget_left(task=TASK, length=length, overhead=overhead, needed=needed)
    while True:
        key, value = _kv_new(rng=rng, used=used_keys), _kv_new(rng=rng, used=used_values)
        sentence = texts.NIAH_NEEDLE.format(key=key, value=value)
        cost = tok.count(text=" " + sentence)
        if cost > left:
            break
        sentences.append(sentence)
        left -= cost
    rng.shuffle(sentences)
    gold = "\n".join(
        texts.NIAH_GOLD_LINE.format(number=i, key=k, value=v) for i, (k, v) in enumerate(needles, start=1)
    )
    return sample_finish(
        task=TASK, index=index, seed=seed, length=length,
        prompt=_render(keys=keys, context=" ".join(sentences)),
        gold=gold, answers=tuple(v for _, v in needles), queries=tuple(keys),
    )
