"""Score the model on generated samples with the tasks' own scorers (dense by default, any hook otherwise)."""

from __future__ import annotations

import time
from dataclasses import dataclass

from ..registry import sample_make
from ..sample import SampleScore
from ..scoring import TaskAggregate, score_output, scores_aggregate
from .protocol import model_answer
from .wired import Attention, WiredModel, attention_dense


@dataclass(frozen=True)
class TaskRun:
    """One task at one length: the per-sample scores, their aggregate, and seconds per sample."""

    task: str
    length: int
    scores: tuple[SampleScore, ...]
    aggregate: TaskAggregate
    seconds_per_sample: float


def task_run(
    *, model: WiredModel, task: str, length: int, seed: int, indices: range | tuple[int, ...],
    attention: Attention = attention_dense, decode_attention: Attention = attention_dense,
) -> TaskRun:
    """Generate samples `indices` of `task`, answer each through the hooks, score with the task's scorer."""
    if len(indices) == 0:
        raise ValueError("indices is empty")
    scores = []
    spent = 0.0
    for index in indices:
        sample = sample_make(task=task, index=index, seed=seed, length=length)
        start = time.perf_counter()
        answer = model_answer(model=model, sample=sample, attention=attention,
                              decode_attention=decode_attention)
        spent += time.perf_counter() - start
        scores.append(score_output(task=task, sample=sample, output=answer.text))
    return TaskRun(task=task, length=length, scores=tuple(scores), aggregate=scores_aggregate(scores=scores),
                   seconds_per_sample=spent / len(indices))
