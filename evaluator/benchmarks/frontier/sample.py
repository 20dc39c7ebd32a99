"""The frozen sample and score records of the frontier tasks, and the shared length rules."""

from __future__ import annotations

from dataclasses import dataclass

from .tokenizer import tokenizer_frontier

#: The prompt must hold at least this fraction of the target length (the harness's rule).
MIN_FILL = 0.90


@dataclass(frozen=True)
class Sample:
    """One generated prompt with its gold answer.

    `gold` is the answer block a perfect reply holds (the harness's gold answer text). `answers` and
    `queries` are what the scorer and the tests use, per task:
      ruler_niah       queries = the queried keys in question order, answers = their values
      ruler_vt         queries = (target value,), answers = the variables holding it (chain order)
      ruler_cwe        queries = (), answers = the common words
      story_retrieval  queries = "<kind>:<chapter>" per question, answers = the answer per question
      story_multihop   queries = (target item,), answers = (item bought in the chapter before,)
      story_filtering  queries = (), answers = the chapter numbers without a purchase, ascending
    `n_tokens` is the prompt's length in tokens of the frontier tokenizer; `length` the target.
    """

    task: str
    index: int
    seed: int
    length: int
    prompt: str
    n_tokens: int
    gold: str
    answers: tuple[str, ...]
    queries: tuple[str, ...]


@dataclass(frozen=True)
class SampleScore:
    """The score of one reply: `value` (ours; unanswered counts 0) and whether the harness drops it."""

    task: str
    index: int
    value: float
    dropped: bool


def length_check(*, length: int) -> None:
    """Raise ValueError unless `length` is a positive int."""
    if not isinstance(length, int) or isinstance(length, bool) or length < 1:
        raise ValueError(f"length must be a positive int, got {length!r}")


def sample_finish(
    *, task: str, index: int, seed: int, length: int, prompt: str, gold: str,
    answers: tuple[str, ...], queries: tuple[str, ...],
) -> Sample:
    """The Sample, after counting the prompt and checking that it fills 90-100% of `length`."""
    n_tokens = tokenizer_frontier().count(text=prompt)
    if not MIN_FILL * length <= n_tokens <= length:
        raise ValueError(
            f"{task}: the prompt is {n_tokens} tokens, outside {MIN_FILL:.0%}-100% of length {length}"
        )
    return Sample(task=task, index=index, seed=seed, length=length, prompt=prompt, n_tokens=n_tokens,
                  gold=gold, answers=answers, queries=queries)


def budget_left(*, task: str, length: int, overhead: int, needed: int) -> int:
    """Tokens left for filler after `overhead` and `needed`; ValueError when the length is too short."""
    left = length - overhead - needed
    if left < 0:
        raise ValueError(
            f"{task}: length {length} is too short; the fixed prompt and required content take "
            f"{overhead + needed} tokens"
        )
    return left
