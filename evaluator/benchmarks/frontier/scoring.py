"""Scorers of the frontier tasks, as the harness scores, plus both conventions for unanswered samples."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from .sample import Sample, SampleScore

_ANSWER = re.compile(r"<answer>(.*?)</answer>", re.DOTALL | re.IGNORECASE)
_NIAH_LINE = re.compile(
    r"(\d+)\.\s*the answer for\s+([\w-]+)\s+is:?\s+(.+?)(?:\.|$)", re.IGNORECASE | re.MULTILINE
)
_NUMBERED = re.compile(r"^(\d+)[.:)]\s*(.+?)\s*$")
_CWE_LINE = re.compile(r"^\d+[.)\-]?\s*(.+)$")
_ARTICLE = re.compile(r"^(?:the|a|an)\s+")
_CHAPTER = re.compile(r"chapter\s+(\d+)", re.IGNORECASE)


def answer_block(*, output: str) -> str | None:
    """The text of the first <answer>...</answer> block of `output` (tags in any case), or None."""
    match = _ANSWER.search(output)
    return None if match is None else match.group(1)


def _spaces(text: str) -> str:
    """`text` lower-cased and stripped, with runs of whitespace made one space."""
    return re.sub(r"\s+", " ", text.lower().strip())


def _phrase(text: str) -> str:
    """A story answer as compared: lower case, single spaces, one leading article removed."""
    return _ARTICLE.sub("", _spaces(text))


def _iou(*, pred: set, gold: set, empty: float) -> float:
    """Intersection over union of two sets; `empty` when both are empty."""
    union = pred | gold
    return len(pred & gold) / len(union) if union else empty


def _niah(*, sample: Sample, output: str) -> tuple[float, bool]:
    """Fraction of questions whose line has the right number, the exact key and the normalised value."""
    block = answer_block(output=output)

    def value_norm(value: str) -> str:
        """The harness's value normalisation: lower case, single spaces, "is:" read as "is"."""
        return re.sub(r"\bis:\s+", "is ", _spaces(value))

    found: dict[int, tuple[str, str]] = {}
    for m in _NIAH_LINE.finditer(output if block is None else block):
        found.setdefault(int(m.group(1)), (m.group(2).strip(), value_norm(m.group(3).strip())))
    hits = sum(found.get(n) == (key, value_norm(value))
               for n, (key, value) in enumerate(zip(sample.queries, sample.answers, strict=True), start=1))
    return hits / len(sample.answers), False


def _vt_names(text: str) -> set[str]:
    """The answer block (else the whole text) upper-cased, "VAR " removed, split on whitespace."""
    block = answer_block(output=text)
    text = re.sub(r"\s+", " ", (text if block is None else block).upper().strip())
    return set(re.sub(r"VAR\s+", "", text).split())


def _vt(*, sample: Sample, output: str) -> tuple[float, bool]:
    """IoU of the named variables with the gold chain (1.0 when both are empty)."""
    return _iou(pred=_vt_names(output), gold=_vt_names(sample.gold), empty=1.0), False


def _cwe(*, sample: Sample, output: str) -> tuple[float, bool]:
    """IoU of the numbered words of the answer block with the common words; no answer block scores 0."""
    block = answer_block(output=output)
    if block is None:
        return 0.0, False
    words = set()
    for line in block.strip().split("\n"):
        m = _CWE_LINE.match(line.strip())
        if m and m.group(1).strip():
            words.add(m.group(1).strip().lower())
    return _iou(pred=words, gold={w.lower() for w in sample.answers}, empty=0.0), False


def _numbered(text: str) -> dict[int, str]:
    """Numbered answer lines of the answer block (else the whole text): number -> phrase, first wins."""
    block = answer_block(output=text)
    answers: dict[int, str] = {}
    for line in (text if block is None else block).split("\n"):
        m = _NUMBERED.match(line.strip())
        if m:
            answers.setdefault(int(m.group(1)), _phrase(m.group(2)))
    return answers


def _retrieval(*, sample: Sample, output: str) -> tuple[float, bool]:
    """Fraction of the numbered questions answered exactly (after lower-casing and dropping an article)."""
    gold, pred = _numbered(sample.gold), _numbered(output)
    return sum(pred.get(n) == answer for n, answer in gold.items()) / len(gold), False


def _multihop(*, sample: Sample, output: str) -> tuple[float, bool]:
    """Exact match of the answer block; a missing or empty block scores 0 and is dropped by the harness."""
    block = answer_block(output=output)
    pred = "" if block is None else _phrase(block)
    if not pred:
        return 0.0, True
    return float(pred == _phrase(sample.gold)), False


def _chapter_ids(text: str) -> set[int]:
    """Chapter numbers: every "Chapter N" if any, else every number left after dropping other characters."""
    named = _CHAPTER.findall(text)
    if named:
        return {int(n) for n in named}
    kept = re.sub(r"[^0-9,\s]", "", text.strip())
    return {int(part) for part in re.split(r"[,\s]+", kept) if part.strip()}


def _filtering(*, sample: Sample, output: str) -> tuple[float, bool]:
    """IoU of chapter-number sets; no answer block gives the empty set; an empty output is dropped."""
    if not output.strip():
        return 0.0, True
    block = answer_block(output=output)
    pred = set() if block is None else _chapter_ids(block)
    return _iou(pred=pred, gold={int(a) for a in sample.answers}, empty=1.0), False


SCORERS: dict[str, Callable[..., tuple[float, bool]]] = {
    "ruler_niah": _niah, "ruler_vt": _vt, "ruler_cwe": _cwe,
    "story_retrieval": _retrieval, "story_multihop": _multihop, "story_filtering": _filtering,
}


def score_output(*, task: str, sample: Sample, output: str) -> SampleScore:
    """Score one model `output` for `sample` of `task` as the harness does (see SampleScore)."""
    if task not in SCORERS:
        raise ValueError(f"unknown frontier task {task!r}; known: {sorted(SCORERS)}")
    if sample.task != task:
        raise ValueError(f"sample {sample.index} is a {sample.task!r} sample, not {task!r}")
    if not isinstance(output, str):
        raise ValueError(f"output must be a str, got {type(output).__name__}")
    value, dropped = SCORERS[task](sample=sample, output=output)
    return SampleScore(task=task, index=sample.index, value=value, dropped=dropped)


@dataclass(frozen=True)
class TaskAggregate:
    """One task's mean: ours (unanswered = 0), the harness's (unanswered dropped), and the drop count."""

    task: str
    n: int
    mean: float
    harness_mean: float
    dropped: int


def scores_aggregate(*, scores: Sequence[SampleScore]) -> TaskAggregate:
    """Both means of one task's scores; the harness mean of an all-dropped task is 0.0, as in the harness."""
    if not scores:
        raise ValueError("scores is empty")
    tasks = {s.task for s in scores}
    if len(tasks) != 1:
        raise ValueError(f"scores mix tasks {sorted(tasks)}")
    kept = [s.value for s in scores if not s.dropped]
    return TaskAggregate(
        task=scores[0].task, n=len(scores), mean=sum(s.value for s in scores) / len(scores),
        harness_mean=sum(kept) / len(kept) if kept else 0.0, dropped=len(scores) - len(kept),
    )
