"""ruler_vt: variable tracking, chains of copies hidden among noise sentences."""

from __future__ import annotations

import random
import string

from . import texts
from .sample import Sample, budget_left, length_check, sample_finish
from .tokenizer import tokenizer_frontier

TASK = "ruler_vt"
#: Chains and hops per chain (harness config ruler_vt.yaml); chain 0 is the one asked about.
NUM_CHAINS, NUM_HOPS = 8, 4
#: Letters per variable name and the value range (harness: 5 upper-case letters, sample(range(10000, 99999))).
NAME_LETTERS = 5
VALUE_RANGE = range(10000, 99999)


def _names_new(*, rng: random.Random, count: int) -> list[str]:
    """`count` distinct random upper-case names that are not vocabulary words (so always spelled)."""
    words = set(tokenizer_frontier().words)
    names: list[str] = []
    while len(names) < count:
        name = "".join(rng.choices(string.ascii_uppercase, k=NAME_LETTERS))
        if name not in names and name not in words:
            names.append(name)
    return names


def _render(*, value: int, context: str) -> str:
    """The prompt asking which variables hold `value` in `context`."""
    return texts.prompt_render(
        intro=texts.VT_INTRO, many=False, question=texts.VT_QUESTION.format(value=value), context=context,
        answer_format=texts.VT_ANSWER_FORMAT, rules=texts.VT_RULES,
    )


def sample_make(*, task: str = TASK, index: int, seed: int, length: int) -> Sample:
    """Sample `index` of ruler_vt at `length` tokens, from random.Random(seed + index)."""
    if task != TASK:
        raise ValueError(f"vt makes {TASK!r}, not {task!r}")
    length_check(length=length)
    rng = random.Random(seed + index)
    tok = tokenizer_frontier()
    per_chain = NUM_HOPS + 1
    names = _names_new(rng=rng, count=NUM_CHAINS * per_chain)
    values = rng.sample(VALUE_RANGE, NUM_CHAINS)
    statements: list[str] = []
    for c in range(NUM_CHAINS):
        chain = names[c * per_chain:(c + 1) * per_chain]
        statements.append(texts.VT_NUMBER.format(name=chain[0], value=values[c]))
        statements.extend(texts.VT_COPY.format(name=after, source=before)
                          for before, after in zip(chain[:-1], chain[1:], strict=True))
    overhead = tok.count(text=_render(value=values[0], context=""))
    needed = sum(tok.count(text=" " + s) for s in statements)
    left = budget_left(task=TASK, length=length, overhead=overhead, needed=needed)
    noise = left // tok.count(text=" " + texts.VT_NOISE)
    sentences = statements + [texts.VT_NOISE] * noise
    rng.shuffle(sentences)
    target = tuple(names[:per_chain])
    return sample_finish(
        task=TASK, index=index, seed=seed, length=length,
        prompt=_render(value=values[0], context=" ".join(sentences)),
        gold=" ".join(target), answers=target, queries=(str(values[0]),),
    )
