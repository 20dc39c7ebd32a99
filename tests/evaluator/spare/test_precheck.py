"""The rendering benchmark's checks at upload: archive, names, counts and PNG headers; causes first."""

from __future__ import annotations

import io
import json
import zipfile

import numpy as np
from PIL import Image

from evaluator.contract import Payload


def _png(array) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, format="PNG")
    return buffer.getvalue()


def _expected(built):
    splits = json.loads((built / "public" / "splits" / "Track1_split_development.json").read_text())
    return [
        f"{scene}/cam_{i + 1:03d}_3_0000.png" for scene in sorted(splits) for i in splits[scene]["test_views"]
    ]


def _good(built):
    grey = np.full((48, 64, 3), 128, dtype=np.uint8)
    return {name: _png(grey) for name in _expected(built)}


def _zip(path, members):
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def _precheck(bench, built, path, phase="track1-dev"):
    return bench.precheck(Payload(phase=phase, public_dir=built / "public", file=path))


def test_precheck_accepts_a_complete_submission(small_bench, built, tmp_path):
    assert _precheck(small_bench, built, _zip(tmp_path / "renders.zip", _good(built))) == []


def test_precheck_lists_a_bad_name_before_the_views_it_leaves_missing_in_one_line(
    small_bench, built, tmp_path
):
    members = _good(built)
    scene = _expected(built)[0].split("/")[0]
    renamed = {name.replace("cam_", "view_") if name.startswith(f"{scene}/") else name: data
               for name, data in members.items()}  # fmt: skip
    problems = _precheck(small_bench, built, _zip(tmp_path / "my renders.zip", renamed))
    misnamed = [n for n in renamed if n.startswith(f"{scene}/")]
    assert [p.where for p in problems] == [*sorted(misnamed), "my renders.zip"]
    assert all("unexpected file" in p.message for p in problems[:-1])
    last = problems[-1].message
    assert last.startswith(f"{len(misnamed)} test views missing: {scene}/cam_")
    assert f"the {len(misnamed)} unexpected file(s) above may be these, misnamed" in last


def test_precheck_reads_png_headers_but_leaves_decoding_to_the_worker(small_bench, built, tmp_path):
    members = _good(built)
    names = list(members)
    members[names[0]] = _png(np.zeros((24, 32, 3), dtype=np.uint8))  # wrong size: in the header
    members[names[1]] = _png(np.zeros((48, 64, 4), dtype=np.uint8))  # RGBA: in the header
    members[names[2]] = members[names[2]][:60] + b"\0" * 40  # broken data after a valid header
    path = _zip(tmp_path / "renders.zip", members)
    by_file = {p.where: p.message for p in _precheck(small_bench, built, path)}
    assert by_file == {names[0]: "size 32x24, expected 64x48", names[1]: "colour type RGBA, expected RGB"}
    full = {p.where for p in small_bench.validate(Payload(phase="track1-dev", public_dir=built / "public",
                                                          file=path))}  # fmt: skip
    assert names[2] in full  # the worker's full decode finds what the header could not


def test_precheck_names_the_upload_when_it_is_not_a_zip(small_bench, built, tmp_path):
    path = tmp_path / "renders.zip"
    path.write_bytes(b"not a zip at all")
    problems = _precheck(small_bench, built, path)
    assert len(problems) == 1 and problems[0].where == "renders.zip"
    assert problems[0].message.startswith("not a readable ZIP archive")


def test_precheck_counts_entries_before_reading_any(small_bench, built, tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for i in range(500):
            archive.writestr(f"x/{i}.png", b"")
    path = tmp_path / "many.zip"
    path.write_bytes(buffer.getvalue())
    problems = _precheck(small_bench, built, path)
    assert len(problems) == 1 and "entries, over the limit" in problems[0].message


def test_precheck_of_a_truncated_png_names_the_member(small_bench, built, tmp_path):
    members = _good(built)
    first = next(iter(members))
    members[first] = members[first][:20]
    problems = _precheck(small_bench, built, _zip(tmp_path / "renders.zip", members))
    assert [(p.where, p.message) for p in problems] == [(first, "not a PNG file")]
