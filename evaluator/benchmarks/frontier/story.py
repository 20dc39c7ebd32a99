"""story_retrieval, story_multihop and story_filtering: questions over one generated story."""

from __future__ import annotations

import random

from . import texts
from .lexicon import lexicon_load
from .narrative import MAX_CHAPTERS, narrative_make, narrative_text
from .sample import Sample, budget_left, length_check, sample_finish
from .story_text import HERO
from .tokenizer import tokenizer_frontier

TASKS = ("story_retrieval", "story_multihop", "story_filtering")
#: Questions per retrieval sample (harness config story_retrieval.yaml: num_queries 16).
RETRIEVAL_QUERIES = 16
#: Chapters whose purchase is removed (harness config story_filtering.yaml: chapters_in_question 3).
FILTERING_CHAPTERS = 3
KINDS = ("location", "character", "item")


def _render(*, many: bool, question: str, context: str, answer_format: str, rules: str) -> str:
    """A story prompt."""
    return texts.prompt_render(intro=texts.STORY_INTRO.format(hero=HERO), many=many, question=question,
                               context=context, answer_format=answer_format, rules=rules)


def _retrieval(*, rng: random.Random, length: int) -> tuple[str, str, tuple[str, ...], tuple[str, ...]]:
    """Prompt, gold, answers and queries of a story_retrieval sample."""
    tok, lex = tokenizer_frontier(), lexicon_load()

    def render(questions: str, context: str) -> str:
        """The retrieval prompt."""
        return _render(many=True, question=questions, context=context,
                       answer_format=texts.RETRIEVAL_ANSWER_FORMAT, rules=texts.RETRIEVAL_RULES)

    widest = "\n".join(
        max((texts.RETRIEVAL_QUESTIONS[k].format(number=i, chapter=MAX_CHAPTERS) for k in KINDS),
            key=lambda q: tok.count(text=q))
        for i in range(1, RETRIEVAL_QUERIES + 1)
    )
    budget = budget_left(task="story_retrieval", length=length, overhead=tok.count(text=render(widest, "")),
                         needed=0)
    chapters = narrative_make(rng=rng, lex=lex, budget=budget, hero=HERO)
    if len(chapters) < RETRIEVAL_QUERIES:
        raise ValueError(f"story_retrieval: length {length} holds {len(chapters)} chapters, "
                         f"fewer than the {RETRIEVAL_QUERIES} questions")
    questions, answers, queries = [], [], []
    for number, chapter in enumerate(rng.sample(chapters, RETRIEVAL_QUERIES), start=1):
        kind = rng.choice(KINDS)
        questions.append(texts.RETRIEVAL_QUESTIONS[kind].format(number=number, chapter=chapter.number))
        answers.append({"location": chapter.place, "character": chapter.person, "item": chapter.bought}[kind])
        queries.append(f"{kind}:{chapter.number}")
    gold = "\n".join(texts.RETRIEVAL_GOLD_LINE.format(number=i, answer=a) for i, a in enumerate(answers, 1))
    prompt = render("\n".join(questions), narrative_text(chapters=chapters))
    return prompt, gold, tuple(answers), tuple(queries)


def _multihop(*, rng: random.Random, length: int) -> tuple[str, str, tuple[str, ...], tuple[str, ...]]:
    """Prompt, gold, answers and queries of a story_multihop sample."""
    tok, lex = tokenizer_frontier(), lexicon_load()

    def render(item: str, context: str) -> str:
        """The multihop prompt about `item`."""
        return _render(many=False, question=texts.MULTIHOP_QUESTION.format(item=item), context=context,
                       answer_format=texts.MULTIHOP_ANSWER_FORMAT, rules=texts.MULTIHOP_RULES)

    placeholder = f"{lex.item_adjectives[0]} {lex.item_materials[0]} {lex.item_kinds[0]}"
    budget = budget_left(task="story_multihop", length=length,
                         overhead=tok.count(text=render(placeholder, "")), needed=0)
    chapters = narrative_make(rng=rng, lex=lex, budget=budget, hero=HERO)
    if len(chapters) < 2:
        raise ValueError(f"story_multihop: length {length} holds fewer than 2 chapters")
    target = rng.choice(chapters[1:])
    before = chapters[target.number - 2]
    prompt = render(target.bought, narrative_text(chapters=chapters))
    return prompt, before.bought, (before.bought,), (target.bought,)


def _filtering(*, rng: random.Random, length: int) -> tuple[str, str, tuple[str, ...], tuple[str, ...]]:
    """Prompt, gold, answers and queries of a story_filtering sample."""
    tok, lex = tokenizer_frontier(), lexicon_load()

    def render(context: str) -> str:
        """The filtering prompt."""
        return _render(many=False, question=texts.FILTERING_QUESTION.format(count=FILTERING_CHAPTERS),
                       context=context, answer_format=texts.FILTERING_ANSWER_FORMAT,
                       rules=texts.FILTERING_RULES)

    budget = budget_left(task="story_filtering", length=length, overhead=tok.count(text=render("")), needed=0)
    chapters = narrative_make(rng=rng, lex=lex, budget=budget, hero=HERO)
    if len(chapters) < FILTERING_CHAPTERS:
        raise ValueError(f"story_filtering: length {length} holds fewer than {FILTERING_CHAPTERS} chapters")
    chosen = sorted(rng.sample(range(1, len(chapters) + 1), FILTERING_CHAPTERS))
    prompt = render(narrative_text(chapters=chapters, without_purchase=frozenset(chosen)))
    ids = tuple(str(n) for n in chosen)
    return prompt, ", ".join(ids), ids, ()


_MAKERS = {"story_retrieval": _retrieval, "story_multihop": _multihop, "story_filtering": _filtering}


def sample_make(*, task: str, index: int, seed: int, length: int) -> Sample:
    """Sample `index` of the story task `task` at `length` tokens, from random.Random(seed + index)."""
    if task not in _MAKERS:
        raise ValueError(f"story task must be one of {TASKS}, not {task!r}")
    length_check(length=length)
    prompt, gold, answers, queries = _MAKERS[task](rng=random.Random(seed + index), length=length)
    return sample_finish(task=task, index=index, seed=seed, length=length, prompt=prompt, gold=gold,
                         answers=answers, queries=queries)
