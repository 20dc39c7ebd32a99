"""Validation: every problem of a submission at once, unsafe archives refused before decoding."""

from __future__ import annotations

import io
import json
import stat
import zipfile

import numpy as np
import pytest
from PIL import Image

from evaluator.benchmarks.spare.archive import name_problem, png_header
from evaluator.contract import Payload


def _png(array, **save) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, format="PNG", **save)
    return buffer.getvalue()


def _expected(built, phase="track1-dev"):
    splits = json.loads((built / "public" / "splits" / "Track1_split_development.json").read_text())
    return [
        f"{scene}/cam_{i + 1:03d}_3_0000.png" for scene in sorted(splits) for i in splits[scene]["test_views"]
    ]


def _zip(path, members):
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            if isinstance(data, zipfile.ZipInfo):
                archive.writestr(data, b"target")
            else:
                archive.writestr(name, data)
    return path


def _good(built):
    grey = np.full((48, 64, 3), 128, dtype=np.uint8)
    return {name: _png(grey) for name in _expected(built)}


def _validate(bench, built, path, phase="track1-dev"):
    return bench.validate(Payload(phase=phase, public_dir=built / "public", file=path))


def test_validate_accepts_a_complete_submission(small_bench, built, tmp_path):
    assert _validate(small_bench, built, _zip(tmp_path / "ok.zip", _good(built))) == []


def test_validate_reports_every_problem_at_once(small_bench, built, tmp_path):
    members = _good(built)
    names = list(members)
    del members[names[0]]  # missing
    members[names[1]] = _png(np.zeros((24, 32, 3), dtype=np.uint8))  # wrong size
    members[names[2]] = _png(np.zeros((48, 64, 4), dtype=np.uint8))  # RGBA
    members[names[3]] = _png(np.zeros((48, 64), dtype=np.uint16))  # 16-bit greyscale
    members[names[4]] = members[names[4]][:-40]  # truncated
    scene = names[5].split("/")[0]
    members[f"{scene}/cam_064_3_0000.png"] = members[names[5]]  # not a test view
    members["notes.txt"] = b"hello"  # extra
    members[f"{scene}/{names[5].split('/')[1].replace('_3_0000', '')}"] = b"x"  # misnamed
    problems = _validate(small_bench, built, _zip(tmp_path / "bad.zip", members))
    by_file = {}
    for problem in problems:
        by_file.setdefault(problem.where, []).append(problem.message)
    # the missing view is a consequence: one line naming the upload, after the unexpected files (causes)
    assert by_file["bad.zip"] == [
        f"1 test view missing: {names[0]}; the 3 unexpected file(s) above may be these, misnamed"
    ]
    assert [p.where for p in problems][-1] == "bad.zip"
    assert "size 32x24, expected 64x48" in by_file[names[1]][0]
    assert any("RGBA" in m for m in by_file[names[2]])
    assert any("bit depth 16" in m for m in by_file[names[3]])
    assert "unreadable PNG" in by_file[names[4]][0]
    assert "not a test view" in by_file[f"{scene}/cam_064_3_0000.png"][0]
    assert "not a scene" in by_file["notes.txt"][0]
    assert len(by_file) == 8


def test_validate_hints_when_scene_folders_are_nested(small_bench, built, tmp_path):
    members = {f"submission/{name}": data for name, data in _good(built).items()}
    problems = _validate(small_bench, built, _zip(tmp_path / "nested.zip", members))
    assert any("at the root" in p.message for p in problems)


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("../evil.png", "traversal"),
        ("/abs/evil.png", "absolute"),
        ("C:/evil.png", "drive"),
        ("a\\b.png", "backslash"),
        ("a/./b.png", "traversal"),
        ("a//b.png", "traversal"),
    ],
)
def test_name_problem_refuses_unsafe_paths(name, reason):
    assert reason in name_problem(name=name)


def test_validate_refuses_traversal_and_symlinks_before_decoding(small_bench, built, tmp_path):
    members = _good(built)
    first = next(iter(members))
    members[first] = b"garbage that would fail to decode"
    link = zipfile.ZipInfo("link.png")
    link.external_attr = (stat.S_IFLNK | 0o777) << 16
    members["link.png"] = link
    members["../../escape.png"] = b"not even a png"
    problems = _validate(small_bench, built, _zip(tmp_path / "evil.zip", members))
    messages = {p.where: p.message for p in problems}
    assert "symbolic links" in messages["link.png"]
    assert "unsafe entry name" in messages["../../escape.png"]
    assert first not in messages  # nothing was decoded


def test_validate_refuses_too_many_entries(small_bench, built, tmp_path):
    members = {f"x/{i}.png": b"" for i in range(500)}
    problems = _validate(small_bench, built, _zip(tmp_path / "many.zip", members))
    assert len(problems) == 1 and "entries, over the limit" in problems[0].message


def test_validate_refuses_a_zip_bomb_by_declared_size(small_bench, built, tmp_path):
    members = _good(built)
    first = next(iter(members))
    members[first] = b"\0" * (64 * 48 * 4 + 70000)
    problems = _validate(small_bench, built, _zip(tmp_path / "bomb.zip", members))
    assert any(p.where == first and "uncompressed, over" in p.message for p in problems)


def test_validate_checks_pixel_count_from_the_header_before_decoding(small_bench, built, tmp_path):
    members = _good(built)
    first = next(iter(members))
    header = bytearray(members[first])
    header[16:24] = (100000).to_bytes(4, "big") + (100000).to_bytes(4, "big")
    members[first] = bytes(header)
    problems = _validate(small_bench, built, _zip(tmp_path / "huge.zip", members))
    assert [p.message for p in problems if p.where == first] == ["size 100000x100000, expected 64x48"]
    assert png_header(data=bytes(header)).width == 100000


def test_validate_reports_non_zip_and_oversized_uploads(small_bench, built, tmp_path):
    junk = tmp_path / "junk.zip"
    junk.write_bytes(b"this is not a zip")
    assert "not a readable ZIP" in _validate(small_bench, built, junk)[0].message
    big = tmp_path / "big.zip"
    with open(big, "wb") as fh:
        fh.truncate(300 * 1024 * 1024)
    assert "over the limit" in _validate(small_bench, built, big)[0].message


def test_validate_rejects_unknown_phase_and_missing_file(small_bench, built):
    assert _validate(small_bench, built, None)[0].where == "file"
    assert small_bench.validate(Payload(phase="nope", public_dir=built / "public"))[0].where == "phase"


def test_validate_never_reads_hidden_data(small_bench, built, tmp_path):
    public_only = tmp_path / "copy"
    import shutil

    shutil.copytree(built / "public", public_only / "public")
    path = _zip(tmp_path / "ok.zip", _good(built))
    assert (
        small_bench.validate(Payload(phase="track1-dev", public_dir=public_only / "public", file=path)) == []
    )
