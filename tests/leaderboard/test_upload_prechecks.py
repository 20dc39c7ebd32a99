"""The benchmarks' checks at upload, through the submission service: every problem at once, causes first,
in the submitter's own file name, before anything is stored, queued or charged."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import numpy as np
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile, TemporaryUploadedFile
from PIL import Image
from sb_sandbox import sandbox_assumed
from sb_seeds import seeds_for

from evaluator.benchmarks.spare import SpareBenchmark, SpareConfig
from evaluator.benchmarks.sparse_search.config import SearchConfig
from evaluator.benchmarks.sparse_search.masks import mask_random
from evaluator.registry import benchmark_get
from leaderboard.models import Benchmark, Phase, Submission
from leaderboard.selectors import quota_status
from leaderboard.services import benchmark_data_dir, benchmark_sync, submission_create
from leaderboard.services.errors import UploadRefused

SMALL_SPARE = SpareConfig(width=64, height=48, train_scenes=1, scenes_per_phase=2, test_views=3, workers=1)


@pytest.fixture(autouse=True)
def _code_runnable(monkeypatch):
    """Uploads judged as where bubblewrap runs (its absence is tests/api/test_code_refused_api.py's)."""
    sandbox_assumed(monkeypatch)


def _host(slug: str, *, build=None) -> Phase:
    """The registered benchmark `slug` synced with ready data (built by `build`, else an empty bundle)."""
    benchmark = benchmark_sync(spec=benchmark_get(slug).spec)
    out = benchmark_data_dir(benchmark=benchmark)
    if build is None:
        (out / "public").mkdir(parents=True)
    else:
        build(out)
    Benchmark.objects.filter(pk=benchmark.pk).update(data_status=Benchmark.DataStatus.READY)
    return Phase.objects.select_related("benchmark").filter(benchmark=benchmark).order_by("display_order")[0]


@pytest.fixture
def temp_root(settings, tmp_path) -> Path:
    """Django's (and so the checks') temporary folder, to see that the checks leave nothing behind."""
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path / "tmp")
    (tmp_path / "tmp").mkdir()
    return tmp_path / "tmp"


def _refused(*, user, phase, temp_root, settings, dispatched, **payload) -> UploadRefused:
    """Submit, expect UploadRefused, and check that nothing was stored, queued or charged."""
    before = quota_status(user=user, phase=phase)
    with pytest.raises(UploadRefused) as caught:
        submission_create(owner=user, phase=phase, method_name="mine", **payload)
    assert not Submission.objects.exists() and dispatched == []
    assert quota_status(user=user, phase=phase) == before
    assert not any(p.is_file() for p in Path(settings.SUBMISSION_ROOT).rglob("*"))
    assert list(temp_root.iterdir()) == []
    return caught.value


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(np.full((48, 64, 3), 128, dtype=np.uint8)).save(buffer, format="PNG")
    return buffer.getvalue()


def _spare_members(public: Path) -> dict[str, bytes]:
    splits = json.loads((public / "splits" / "Track1_split_development.json").read_text())
    image = _png()
    return {f"{s}/cam_{i + 1:03d}_3_0000.png": image for s in sorted(splits) for i in splits[s]["test_views"]}


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, body in members.items():
            archive.writestr(name, body)
    return buffer.getvalue()


@pytest.fixture
def spare_phase(db) -> Phase:
    """The rendering benchmark's first phase, on a small built dataset."""
    return _host("spare", build=lambda out: SpareBenchmark(SMALL_SPARE).build(out, seeds=seeds_for()))


def test_spare_refuses_a_misnamed_scene_at_upload_causes_first_in_the_submitters_name(
    spare_phase, user, temp_root, settings, dispatched
):
    public = benchmark_data_dir(benchmark=spare_phase.benchmark) / "public"
    members = _spare_members(public)
    scene = next(iter(members)).split("/")[0]
    renamed = {n.replace("cam_", "view_") if n.startswith(scene) else n: b for n, b in members.items()}
    upload = SimpleUploadedFile("my renders.zip", _zip(renamed))
    error = _refused(user=user, phase=spare_phase, temp_root=temp_root, settings=settings,
                     dispatched=dispatched, upload=upload)  # fmt: skip
    lines = error.field_errors["upload"]
    misnamed = sorted(n for n in renamed if n.startswith(scene))
    assert [line.split(": ", 1)[0] for line in lines] == [*misnamed, "my renders.zip"]
    assert lines[-1].startswith(f"my renders.zip: {len(misnamed)} test views missing: {scene}/cam_")
    assert "misnamed" in lines[-1] and "sparsebench-precheck" not in "".join(lines)
    assert error.summary == (
        f"{len(lines)} problems in my renders.zip found at upload; nothing was stored or queued and no quota"
        " was used"
    )


def test_spare_takes_a_good_archive_and_a_file_django_spooled_to_disk(
    spare_phase, user, temp_root, dispatched, django_capture_on_commit_callbacks
):
    body = _zip(_spare_members(benchmark_data_dir(benchmark=spare_phase.benchmark) / "public"))
    spooled = TemporaryUploadedFile("renders.zip", "application/zip", len(body), None)
    spooled.write(body)
    spooled.seek(0)
    with django_capture_on_commit_callbacks(execute=True):
        created = submission_create(owner=user, phase=spare_phase, method_name="grey", upload=spooled)
    assert created.status == Submission.Status.QUEUED and created.payload_size == len(body)
    assert len(dispatched) == 1 and list(temp_root.iterdir()) == [Path(spooled.temporary_file_path())]


def test_spare_reports_every_header_problem_at_once(spare_phase, user, temp_root, settings, dispatched):
    members = _spare_members(benchmark_data_dir(benchmark=spare_phase.benchmark) / "public")
    names = list(members)
    members[names[0]] = b"GIF89a not a png"
    members[names[1]] = members[names[1]][:16] + (32).to_bytes(4, "big") + members[names[1]][20:]
    del members[names[2]]
    error = _refused(user=user, phase=spare_phase, temp_root=temp_root, settings=settings,
                     dispatched=dispatched, upload=SimpleUploadedFile("r.zip", _zip(members)))  # fmt: skip
    assert error.field_errors["upload"] == [
        f"{names[0]}: not a PNG file",
        f"{names[1]}: size 32x48, expected 64x48",
        f"{names[2]}: missing",
    ]


def _search_npz(levels: dict[str, np.ndarray]) -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, **levels)
    return buffer.getvalue()


def test_sparse_search_refuses_misnamed_and_misshapen_masks_at_upload(user, temp_root, settings, dispatched):
    phase = _host("sparse-search")
    config, rng = SearchConfig(), np.random.default_rng(0)
    masks = {
        level: mask_random(config=config, level=level, rng=rng).astype(np.uint8) for level in config.levels
    }
    arrays = {f"level_{level}": mask for level, mask in masks.items()}
    arrays["level_0.5"] = arrays["level_0.5"][:, :100]
    arrays["sparsity_0.9"] = arrays.pop("level_0.9")
    upload = SimpleUploadedFile("masks.npz", _search_npz(arrays))
    error = _refused(user=user, phase=phase, temp_root=temp_root, settings=settings, dispatched=dispatched,
                     upload=upload)  # fmt: skip
    assert error.field_errors["upload"] == [
        "sparsity_0.9: unexpected array; use level_<sparsity> or dense_parent",
        "0.5: shape 2 x 100, expected 2 x 256",
        "masks.npz: 1 sparsity level has no mask: 0.9; the 1 unknown or unexpected key(s) above may be these,"
        " misnamed",
    ]


def test_frontier_refuses_a_bad_config_and_code_without_select_at_upload(
    user, temp_root, settings, dispatched
):
    phase = _host("frontier")
    error = _refused(user=user, phase=phase, temp_root=temp_root, settings=settings, dispatched=dispatched,
                     config={"method": "nope"})  # fmt: skip
    assert error.field == "config" and error.field_errors["config"][0].startswith("config.method: ")
    assert error.summary.startswith("1 problem in the configuration found at upload")
    code = SimpleUploadedFile("my_select.py", b"def choose(q, k, **info):\n    return {}\n")
    error = _refused(user=user, phase=phase, temp_root=temp_root, settings=settings, dispatched=dispatched,
                     upload=code)  # fmt: skip
    assert error.field_errors["upload"] == [
        "my_select.py: no_select: defines no select(q, k, **info) at module level"
    ]


def test_vdit_refuses_code_that_does_not_compile_naming_the_line(user, temp_root, settings, dispatched):
    phase = _host("vdit")
    code = SimpleUploadedFile("method.py", b"def select(q, k, **info):\n    return {\n")
    error = _refused(user=user, phase=phase, temp_root=temp_root, settings=settings, dispatched=dispatched,
                     upload=code)  # fmt: skip
    (line,) = error.field_errors["upload"]
    assert line.startswith("method.py: bad_source: not valid UTF-8 Python") and "line 2" in line


def test_vdit_e2e_checks_a_plan_against_the_model_at_upload(user, temp_root, settings, dispatched):
    phase = _host("vdit-e2e")
    calls = [{"step": 0, "layer": 0, "modes": ["diagonal"] * 4}]
    error = _refused(user=user, phase=phase, temp_root=temp_root, settings=settings, dispatched=dispatched,
                     config={"method": "sparse_vdit", "plan": {"calls": calls}})  # fmt: skip
    (line,) = error.field_errors["config"]
    assert line.startswith("config.plan.calls: the plan covers every step and layer (16 x 4); missing")


def test_a_benchmark_without_data_here_is_left_to_the_worker(
    user, dispatched, django_capture_on_commit_callbacks
):
    phase = _host("frontier")
    public = benchmark_data_dir(benchmark=phase.benchmark) / "public"
    public.rmdir()
    with django_capture_on_commit_callbacks(execute=True):
        created = submission_create(owner=user, phase=phase, method_name="m", config={"method": "nope"})
    assert created.status == Submission.Status.QUEUED and len(dispatched) == 1


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("../../renders.zip", "renders.zip"),
        ("a\x00b.zip", "ab.zip"),
        ("..", "upload"),
        ("é" * 300 + ".zip", "é" * 98 + ".zip"),
    ],
)
def test_the_transient_copy_keeps_the_submitters_name_within_what_a_file_system_takes(given, kept):
    from types import SimpleNamespace

    from leaderboard.services.prechecks import _safe_name

    assert _safe_name(upload=SimpleNamespace(name=given)) == kept


def test_an_unwritable_temporary_folder_is_a_storage_refusal_naming_the_check(user, settings, dispatched):
    from leaderboard.services.errors import StorageUnavailable

    phase = _host("frontier")
    settings.FILE_UPLOAD_TEMP_DIR = str(Path(settings.DATA_ROOT) / "no-such-folder")
    code = SimpleUploadedFile("method.py", b"def select(q, k, **info):\n    return {}\n")
    with pytest.raises(StorageUnavailable) as caught:
        submission_create(owner=user, phase=phase, method_name="m", upload=code)
    assert caught.value.area == "upload check" and "nothing was stored" in str(caught.value)
    assert not Submission.objects.exists() and dispatched == []


def test_the_other_fields_problems_come_with_the_uploads(user, temp_root, settings, dispatched):
    phase = _host("frontier")
    code = SimpleUploadedFile("method.py", b"def choose(q, k, **info):\n    return {}\n")
    with pytest.raises(UploadRefused) as caught:
        submission_create(owner=user, phase=phase, method_name=" ", paper_url="nope", upload=code)
    assert set(caught.value.field_errors) == {"method_name", "paper_url", "upload"}
    assert caught.value.summary.startswith("1 problem in method.py found at upload")
    assert not Submission.objects.exists() and dispatched == [] and list(temp_root.iterdir()) == []
