"""The six frontier tasks, their harness defaults, and one entry point to make a sample of any of them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from . import cwe, narrative, niah, story, vt
from .sample import Sample

#: The harness's defaults (sparse_frontier/configs/default.yaml): seed 43, 8192 input tokens, 100 samples.
HARNESS_SEED, HARNESS_LENGTH, HARNESS_SAMPLES = 43, 8192, 100


@dataclass(frozen=True)
class TaskSpec:
    """One task: its name, the harness's metric name, its defaults, and whether unanswered samples drop."""

    name: str
    metric: str
    params: tuple[tuple[str, int | float], ...]
    drops_unanswered: bool
    summary: str
    make: Callable[..., Sample]


TASKS: dict[str, TaskSpec] = {
    spec.name: spec for spec in (
        TaskSpec(
            name="ruler_niah", metric="accuracy", drops_unanswered=False, make=niah.sample_make,
            params=(("num_queries", niah.NUM_QUERIES), ("groups", niah.GROUPS),
                    ("group_chars", niah.GROUP_CHARS)),
            summary="values of 4 queried keys among same-form distractor needles; fraction of exact "
                    "(number, key, normalised value) lines",
        ),
        TaskSpec(
            name="ruler_vt", metric="iou", drops_unanswered=False, make=vt.sample_make,
            params=(("num_chains", vt.NUM_CHAINS), ("num_hops", vt.NUM_HOPS),
                    ("name_letters", vt.NAME_LETTERS)),
            summary="the 5 variables holding chain 0's value among 8 shuffled chains and noise; IoU of "
                    "upper-case name sets",
        ),
        TaskSpec(
            name="ruler_cwe", metric="iou", drops_unanswered=False, make=cwe.sample_make,
            params=(("num_common_words", cwe.NUM_COMMON), ("common_word_frequency", cwe.COMMON_FREQ),
                    ("rare_word_frequency", cwe.RARE_FREQ)),
            summary="the 10 words listed 30 times among words listed 3 times; IoU of the answer's "
                    "numbered lines, 0 without an answer block",
        ),
        TaskSpec(
            name="story_retrieval", metric="accuracy", drops_unanswered=False, make=story.sample_make,
            params=(("num_queries", story.RETRIEVAL_QUERIES),
                    ("talk_sentences", narrative.TALK_SENTENCES),
                    ("sell_probability", narrative.SELL_PROBABILITY)),
            summary="place, person or item of 16 chapters; per-question exact match after lower-casing "
                    "and dropping a leading article",
        ),
        TaskSpec(
            name="story_multihop", metric="accuracy", drops_unanswered=True, make=story.sample_make,
            params=(("talk_sentences", narrative.TALK_SENTENCES),
                    ("sell_probability", narrative.SELL_PROBABILITY)),
            summary="the item bought in the chapter before the one that bought X; exact match (the "
                    "harness drops replies without an answer)",
        ),
        TaskSpec(
            name="story_filtering", metric="iou", drops_unanswered=True, make=story.sample_make,
            params=(("chapters_in_question", story.FILTERING_CHAPTERS),
                    ("talk_sentences", narrative.TALK_SENTENCES),
                    ("sell_probability", narrative.SELL_PROBABILITY)),
            summary="the 3 chapters whose purchase was removed; IoU of chapter-number sets (the harness "
                    "drops empty replies)",
        ),
    )
}


def task_names() -> tuple[str, ...]:
    """The six task names, in registry order."""
    return tuple(TASKS)


def sample_make(*, task: str, index: int, seed: int, length: int) -> Sample:
    """Sample `index` of `task`: random.Random(seed + index), a prompt of 90-100% of `length` tokens."""
    if task not in TASKS:
        raise ValueError(f"unknown frontier task {task!r}; known: {list(TASKS)}")
    if not isinstance(index, int) or index < 0:
        raise ValueError(f"index must be a non-negative int, got {index!r}")
    if not isinstance(seed, int):
        raise ValueError(f"seed must be an int, got {seed!r}")
    return TASKS[task].make(task=task, index=index, seed=seed, length=length)
