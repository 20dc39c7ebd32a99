"""The Sparse Frontier's long-context tasks: generators, closed tokenizer, scorers (pure Python)."""

from .registry import HARNESS_LENGTH, HARNESS_SEED, TASKS, TaskSpec, sample_make, task_names
from .sample import Sample, SampleScore
from .scoring import TaskAggregate, answer_block, score_output, scores_aggregate
from .tokenizer import WordTokenizer, tokenizer_frontier

__all__ = [
    "HARNESS_LENGTH", "HARNESS_SEED", "TASKS", "Sample", "SampleScore", "TaskAggregate", "TaskSpec",
    "WordTokenizer", "answer_block", "sample_make", "score_output", "scores_aggregate", "task_names",
    "tokenizer_frontier",
]
