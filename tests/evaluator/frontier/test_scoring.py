"""Scorers against hand-written replies: the harness's parsing, normalisation and drop rules."""

from __future__ import annotations

import pytest
from sb_frontier import sample_cached

from evaluator.benchmarks.frontier import Sample, SampleScore, score_output, scores_aggregate, task_names

K1, V1 = "aaaa1111-bbbb2222-cccc3333-dddd4444", "zzzz9999-yyyy8888-xxxx7777-wwww6666"
K2, V2 = "ab12cd34-ef56gh78-ij90kl12-mn34op56", "qr78st90-uv12wx34-yz56ab78-cd90ef12"


def _sample(task: str, *, answers: tuple[str, ...], queries: tuple[str, ...] = (), gold: str = "") -> Sample:
    """A hand-made sample carrying only what the scorers read."""
    return Sample(task=task, index=7, seed=0, length=100, prompt="", n_tokens=0, gold=gold,
                  answers=answers, queries=queries)


def _score(sample: Sample, output: str) -> SampleScore:
    """Score `output` for `sample`."""
    return score_output(task=sample.task, sample=sample, output=output)


NIAH = _sample("ruler_niah", answers=(V1, V2), queries=(K1, K2))


@pytest.mark.parametrize(("output", "expected"), [
    (f"<answer>\n1. The answer for {K1} is {V1}.\n2. The answer for {K2} is {V2}.\n</answer>", 1.0),
    (f"<answer>1. The answer for {K1} is: {V1}.\n2.   the ANSWER for   {K2}   is {V2.upper()}</answer>", 1.0),
    (f"Here: 1. The answer for {K1} is {V1}.\n2. The answer for {K2} is {V1}.", 0.5),
    (f"<answer>\n2. The answer for {K2} is {V2}.\n1. The answer for {K1} is {V1}.\n</answer>", 1.0),
    (f"<answer>\n1. The answer for {K2} is {V2}.\n2. The answer for {K1} is {V1}.\n</answer>", 0.0),
    (f"<answer>\n1. The answer for {K1.upper()} is {V1}.\n</answer>", 0.0),
    (f"1. The answer for {K1} is {V1}.\n1. The answer for {K1} is wrong.\n<answer></answer>", 0.0),
    ("", 0.0),
])
def test_niah_scores_fraction_of_exact_key_value_lines(output, expected):
    assert _score(NIAH, output) == SampleScore(task="ruler_niah", index=7, value=expected, dropped=False)


VT = _sample("ruler_vt", answers=("ABCDE", "FGHIJ"), gold="ABCDE FGHIJ")


@pytest.mark.parametrize(("output", "expected"), [
    ("<answer>ABCDE FGHIJ</answer>", 1.0),
    ("<answer>\n  VAR abcde\n var   FGHIJ \n</answer>", 1.0),
    ("<answer>ABCDE, FGHIJ</answer>", 1 / 3),
    ("<answer>ABCDE KLMNO</answer>", 1 / 3),
    ("ABCDE FGHIJ", 1.0),
    ("It is ABCDE FGHIJ", 0.5),
    ("<answer></answer>", 0.0),
])
def test_vt_scores_iou_of_upper_case_names(output, expected):
    assert _score(VT, output).value == pytest.approx(expected)


CWE = _sample("ruler_cwe", answers=("apple", "river", "stone", "cloud"))


@pytest.mark.parametrize(("output", "expected"), [
    ("<answer>\n1. apple\n2. river\n3. stone\n4. cloud\n</answer>", 1.0),
    ("<answer>1) Apple\n  2- RIVER  \n3 stone\n4.cloud</answer>", 1.0),
    ("<answer>\napple\nriver\n1. stone\n</answer>", 0.25),
    ("<answer>\n1. apple\n2. river\n3. stone\n4. cloud\n5. table\n</answer>", 0.8),
    ("1. apple\n2. river\n3. stone\n4. cloud", 0.0),
    ("<answer></answer>", 0.0),
])
def test_cwe_scores_iou_of_numbered_lines_and_zero_without_answer_block(output, expected):
    assert _score(CWE, output).value == pytest.approx(expected)


RETRIEVAL = _sample("story_retrieval", answers=("Greta", "carved brass bowl", "Ashcombe"),
                    gold="1. Greta\n2. carved brass bowl\n3. Ashcombe")


@pytest.mark.parametrize(("output", "expected"), [
    ("<answer>\n1. Greta\n2. carved brass bowl\n3. Ashcombe\n</answer>", 1.0),
    ("<answer>\n1) greta\n2:   The  carved brass   bowl \n3. an Ashcombe\n</answer>", 1.0),
    ("<answer>\n1. Greta\n2. a carved brass bowl from Greta\n</answer>", 1 / 3),
    ("1. Greta\n3. Ashcombe", 2 / 3),
    ("<answer>\n1. Greta\n1. Ashcombe\n3. Greta\n</answer>", 1 / 3),
    ("<answer>Greta, carved brass bowl, Ashcombe</answer>", 0.0),
    ("<answer>\nChapter 7: person\n1. Greta\nChapter 2: item\n2. carved brass bowl\n</answer>", 2 / 3),
])
def test_story_retrieval_scores_per_question_exact_match_without_articles(output, expected):
    assert _score(RETRIEVAL, output).value == pytest.approx(expected)


MULTIHOP = _sample("story_multihop", answers=("carved brass bowl",), gold="carved brass bowl")


@pytest.mark.parametrize(("output", "value", "dropped"), [
    ("<answer>carved brass bowl</answer>", 1.0, False),
    ("<explanation>x</explanation>\n<ANSWER>\n  The Carved  Brass bowl \n</ANSWER>", 1.0, False),
    ("<answer>dented brass bowl</answer>", 0.0, False),
    ("The answer is carved brass bowl.", 0.0, True),
    ("<answer>   </answer>", 0.0, True),
    ("", 0.0, True),
])
def test_story_multihop_scores_exact_match_and_marks_unanswered_as_dropped(output, value, dropped):
    score = _score(MULTIHOP, output)
    assert (score.value, score.dropped) == (value, dropped)


FILTERING = _sample("story_filtering", answers=("3", "12", "22"), gold="3, 12, 22")


@pytest.mark.parametrize(("output", "value", "dropped"), [
    ("<answer>3, 12, 22</answer>", 1.0, False),
    ("<answer>\n22 3\n12\n</answer>", 1.0, False),
    ("<answer>Chapter 3, Chapter 12 and 22</answer>", 2 / 3, False),
    ("<answer>3, 12, 40</answer>", 0.5, False),
    ("Chapters 3, 12 and 22.", 0.0, False),
    ("<answer></answer>", 0.0, False),
    ("  \n ", 0.0, True),
])
def test_story_filtering_scores_iou_of_chapter_sets_and_drops_empty_replies(output, value, dropped):
    score = _score(FILTERING, output)
    assert (score.value, score.dropped) == (pytest.approx(value), dropped)


@pytest.mark.parametrize("task", task_names())
def test_score_output_gives_full_marks_to_the_gold_answer_and_zero_to_nothing(task):
    sample = sample_cached(task, 0, 4096)
    assert score_output(task=task, sample=sample, output=f"<answer>\n{sample.gold}\n</answer>").value == 1.0
    assert score_output(task=task, sample=sample, output="<answer></answer>").value == 0.0


def test_score_output_rejects_unknown_or_mismatched_task():
    with pytest.raises(ValueError, match="unknown frontier task"):
        score_output(task="qa_squad", sample=VT, output="")
    with pytest.raises(ValueError, match="ruler_vt"):
        score_output(task="ruler_cwe", sample=VT, output="")


def test_scores_aggregate_reports_both_conventions_and_the_dropped_count():
    scores = [_score(MULTIHOP, out) for out in
              ("<answer>carved brass bowl</answer>", "<answer>tin cup</answer>", "no answer", "")]
    agg = scores_aggregate(scores=scores)
    assert (agg.task, agg.n, agg.dropped) == ("story_multihop", 4, 2)
    assert agg.mean == pytest.approx(0.25)
    assert agg.harness_mean == pytest.approx(0.5)


def test_scores_aggregate_of_all_dropped_is_zero_and_rejects_mixed_or_empty_input():
    dropped = [_score(FILTERING, "")]
    assert scores_aggregate(scores=dropped).harness_mean == 0.0
    with pytest.raises(ValueError, match="mix"):
        scores_aggregate(scores=dropped + [_score(VT, "")])
    with pytest.raises(ValueError, match="empty"):
        scores_aggregate(scores=[])
