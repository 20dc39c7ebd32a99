"""Specs of submission parsing: every problem named with its key or field, nothing executed or unpickled."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import numpy as np
import pytest

from evaluator.benchmarks.sparse_search.config import SearchConfig
from evaluator.benchmarks.sparse_search.masks import mask_kept, mask_random, mask_weight_density
from evaluator.benchmarks.sparse_search.submission import Submission, submission_parse, submission_write

CONFIG = SearchConfig()


def _masks(seed: int = 0) -> dict[float, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {level: mask_random(config=CONFIG, level=level, rng=rng) for level in CONFIG.levels}


def _npz(tmp_path: Path, arrays: dict[str, np.ndarray], name: str = "sub.npz") -> Path:
    path = tmp_path / name
    np.savez(path, **arrays)
    return path


def _wheres(path: Path) -> list[str]:
    submission, problems = submission_parse(config=CONFIG, path=path)
    assert (submission is None) == bool(problems)
    return [p.where for p in problems]


def test_config_kept_counts_and_weight_density_follow_the_published_definition():
    assert [CONFIG.kept_total(level=lv) for lv in CONFIG.levels] == [256, 128, 51, 26]
    assert CONFIG.weight_count(kept=(256, 256)) == 64 * 256 + 256 * 256 + 256 * 10
    assert CONFIG.weight_density(kept=(10, 20)) == pytest.approx((640 + 200 + 200) / 84480)


def test_mask_random_keeps_the_exact_count_with_no_empty_layer_and_is_seeded():
    for level in CONFIG.levels:
        mask = mask_random(config=CONFIG, level=level, rng=np.random.default_rng(5))
        assert mask.shape == (2, 256) and mask.dtype == bool
        assert mask.sum() == CONFIG.kept_total(level=level) and all(k >= 1 for k in mask_kept(mask=mask))
        assert np.array_equal(mask, mask_random(config=CONFIG, level=level, rng=np.random.default_rng(5)))
        assert 0 < mask_weight_density(config=CONFIG, mask=mask) < 1


@pytest.mark.parametrize("suffix", [".npz", ".json"])
def test_submission_write_then_parse_round_trips_masks(tmp_path, suffix):
    masks = _masks()
    path = submission_write(config=CONFIG, path=tmp_path / f"s{suffix}", submission=Submission(masks=masks))
    parsed, problems = submission_parse(config=CONFIG, path=path)
    assert problems == []
    assert all(np.array_equal(parsed.masks[lv], masks[lv]) for lv in CONFIG.levels)


@pytest.mark.parametrize("suffix", [".npz", ".json"])
def test_submission_dense_parent_entry_is_accepted(tmp_path, suffix):
    dense = Submission(masks={}, dense_parent=True)
    path = submission_write(config=CONFIG, path=tmp_path / f"d{suffix}", submission=dense)
    parsed, problems = submission_parse(config=CONFIG, path=path)
    assert problems == [] and parsed.dense_parent


def test_submission_npz_names_missing_extra_shape_value_count_and_empty_layer_problems(tmp_path):
    masks = _masks()
    bad_values = masks[0.75].astype(np.float32)
    bad_values[0, 0] = 0.5
    wrong_count = masks[0.9].copy()
    wrong_count[0, np.flatnonzero(~wrong_count[0])[0]] = True
    empty = np.zeros((2, 256), dtype=bool)
    empty[1, :26] = True
    arrays = {
        "level_0.5": masks[0.5][:, :200],
        "level_0.75": bad_values,
        "level_0.9": wrong_count,
        "level_0.3": masks[0.5],
        "weights": np.zeros(3),
    }
    wheres = _wheres(_npz(tmp_path, arrays))
    assert sorted(wheres) == ["0.3", "0.5", "0.75", "0.9", "sub.npz", "weights"]
    assert wheres[-1] == "sub.npz"  # the missing 0.95 mask, after the misnamed arrays that may be it
    arrays = {**{f"level_{lv!r}": m for lv, m in masks.items()}, "level_0.95": empty}
    _, problems = submission_parse(config=CONFIG, path=_npz(tmp_path, arrays, "e.npz"))
    assert [str(p) for p in problems] == ["0.95: hidden layer 1 keeps no node"]


def test_submission_npz_with_an_object_array_is_rejected_without_unpickling(tmp_path):
    arrays = {f"level_{lv!r}": m for lv, m in _masks().items()}
    arrays["level_0.5"] = np.array([{"a": 1}, None], dtype=object)
    path = tmp_path / "pickle.npz"
    np.savez(path, **arrays)
    _, problems = submission_parse(config=CONFIG, path=path)
    assert [p.where for p in problems] == ["level_0.5"] and "unreadable" in problems[0].message


def test_submission_rejects_unreadable_oversized_and_wrongly_named_files(tmp_path):
    (tmp_path / "junk.npz").write_bytes(b"not a zip")
    assert _wheres(tmp_path / "junk.npz") == ["junk.npz"]
    (tmp_path / "big.json").write_text(" " * 2048)
    _, problems = submission_parse(config=CONFIG, path=tmp_path / "big.json", max_bytes=1024)
    assert "limit is 1024" in problems[0].message
    (tmp_path / "masks.txt").write_text("{}")
    assert _wheres(tmp_path / "masks.txt") == ["masks.txt"]
    assert _wheres(tmp_path / "absent.npz") == ["absent.npz"]
    _, problems = submission_parse(config=CONFIG, path=None)
    assert [p.where for p in problems] == ["file"]


def test_submission_npz_with_a_path_entry_is_rejected(tmp_path):
    path = tmp_path / "trav.npz"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("../level_0.5.npy", b"x")
    _, problems = submission_parse(config=CONFIG, path=path)
    assert problems[0].where == "trav.npz/../level_0.5.npy"


def test_submission_json_names_fields_with_problems(tmp_path):
    masks = {repr(lv): m.astype(int).tolist() for lv, m in _masks().items()}
    masks["0.5"] = [[2] * 256, [0] * 256]
    masks["0.75"] = "all"
    masks["0.9"] = [[1] * 256]
    del masks["0.95"]
    path = tmp_path / "s.json"
    path.write_text(json.dumps({"masks": masks, "comment": "x"}))
    assert sorted(_wheres(path)) == ["0.9", "0.95", "comment", "masks.0.5", "masks.0.75"]
    path.write_text("{not json")
    _, problems = submission_parse(config=CONFIG, path=path)
    assert "not valid JSON" in problems[0].message and "line 1 column 2" in problems[0].message
    path.write_text(json.dumps([1, 2]))
    assert _wheres(path) == ["s.json"]
    path.write_text(json.dumps({"dense_parent": True, "masks": masks}))
    assert "dense_parent" in _wheres(path)
    path.write_text(json.dumps({"dense_parent": "yes"}))
    assert _wheres(path) == ["dense_parent"]


def _npz_with_header(path: Path, shape: tuple[int, ...], data: bytes) -> Path:
    buffer = io.BytesIO()
    np.lib.format.write_array_header_1_0(buffer, {"descr": "<f4", "fortran_order": False, "shape": shape})
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("level_0.5.npy", buffer.getvalue() + data)
    return path


def test_submission_npz_arrays_declaring_huge_or_missing_data_are_rejected_before_allocation(tmp_path):
    _, problems = submission_parse(config=CONFIG, path=_npz_with_header(tmp_path / "h.npz", (10**9, 4), b""))
    assert problems[0].where == "level_0.5" and "declares 16000000000 bytes" in problems[0].message
    _, problems = submission_parse(
        config=CONFIG, path=_npz_with_header(tmp_path / "t.npz", (2, 256), b"\0" * 8)
    )
    assert problems[0].where == "level_0.5" and "holds 8 bytes" in problems[0].message


def test_submission_json_nested_too_deeply_is_a_problem_not_a_crash(tmp_path):
    path = tmp_path / "deep.json"
    path.write_text("[" * 100_000 + "]" * 100_000)
    assert _wheres(path) == ["deep.json"]


def test_submission_npz_header_with_a_23_digit_dimension_is_a_problem_not_a_crash(tmp_path):
    path = _npz_with_header(tmp_path / "big.npz", (10**22, 2), b"")
    _, problems = submission_parse(config=CONFIG, path=path)
    assert problems[0].where == "level_0.5"
    assert "declares 80000000000000000000000 bytes" in problems[0].message


def test_submission_npz_header_whose_size_overflows_int64_is_refused_by_its_size(tmp_path):
    path = _npz_with_header(tmp_path / "o.npz", (2**40, 2**40), b"")
    _, problems = submission_parse(config=CONFIG, path=path)
    assert problems[0].where == "level_0.5" and "declares" in problems[0].message


def test_submission_json_integer_of_5000_digits_is_a_problem_naming_the_entry(tmp_path):
    path = tmp_path / "s.json"
    path.write_text('{"masks": {"0.5": [[' + "1" * 5000 + "]]}}")
    _, problems = submission_parse(config=CONFIG, path=path)
    expected = [("masks.0.5[0][0]", "integer of 5000 digits; at most 20 allowed")]
    assert [(p.where, p.message) for p in problems] == expected


def test_submission_json_empty_mask_list_is_a_problem_naming_the_level(tmp_path):
    path = tmp_path / "s.json"
    path.write_text(json.dumps({"masks": {"0.5": []}}))
    _, problems = submission_parse(config=CONFIG, path=path)
    assert problems[0].where == "masks.0.5" and "empty" in problems[0].message


def test_submission_json_with_a_utf8_bom_is_accepted(tmp_path):
    path = tmp_path / "s.json"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps({"dense_parent": True}).encode())
    submission, problems = submission_parse(config=CONFIG, path=path)
    assert problems == [] and submission.dense_parent


def test_submission_messages_are_plain_text_without_python_reprs(tmp_path):
    masks = {repr(lv): m.astype(int).tolist() for lv, m in _masks().items()}
    masks["0.5"] = [[1] * 256, [1] * 3]
    masks["0.33"] = masks["0.75"]
    masks["0.9"] = [[1] * 5, [1] * 5]
    path = tmp_path / "s.json"
    path.write_text(json.dumps({"masks": masks, "x": 1}))
    _, problems = submission_parse(config=CONFIG, path=path)
    text = "\n".join(str(p) for p in problems)
    assert "masks.0.5: layers have different lengths (256, 3)" in text
    assert "0.33: unknown sparsity level; expected one of 0.5, 0.75, 0.9, 0.95" in text
    assert "0.9: shape 2 x 5, expected 2 x 256" in text
    assert "x: unexpected field; allowed: masks or dense_parent" in text
    assert "[" not in text.replace("masks.", "") and "'" not in text and "(2, " not in text


def test_misnamed_arrays_come_before_the_levels_they_leave_without_a_mask_in_one_line(tmp_path):
    arrays = {f"lvl_{k}": m.astype(np.uint8) for k, m in _masks().items() if k != 0.5}
    arrays["level_0.5"] = _masks()[0.5].astype(np.uint8)
    _, problems = submission_parse(config=CONFIG, path=_npz(tmp_path, arrays, name="my masks.npz"))
    assert [p.message for p in problems[:3]] == ["unexpected array; use level_<sparsity> or dense_parent"] * 3
    assert (problems[3].where, len(problems)) == ("my masks.npz", 4)
    assert problems[3].message == (
        "3 sparsity levels have no mask: 0.75, 0.9, 0.95;"
        " the 3 unknown or unexpected key(s) above may be these, misnamed"
    )


def test_a_single_missing_level_without_a_cause_is_named_by_its_key(tmp_path):
    arrays = {f"level_{k}": m.astype(np.uint8) for k, m in _masks().items() if k != 0.9}
    _, problems = submission_parse(config=CONFIG, path=_npz(tmp_path, arrays))
    assert [str(p) for p in problems] == ["0.9: missing mask for this sparsity level"]
