"""Import of real SpaRe- or DTU-layout data (1600x1200 in the releases) into the build layout.

Expected source layout (all names relative to `source`):
- split files Track{1,2}_split_{development,test}.json at the root or in splits/ (scene -> input/test views);
- per scene a folder <scene>/ (training scenes, optional, under train/<scene>/) holding
  - calibration pos_{i+1:03d}.txt (3x4 P = K[R|t]) in <scene>/cameras/, <scene>/, or shared in
    Calibration/cal18/ or calibration/ at the root;
  - images cam_{i+1:03d}_3_0000.png (SpaRe's Synthetic scenes) or rect_{i+1:03d}_3_r5000.png (DTU scenes)
    in <scene>/images/, <scene>/image/ or <scene>/; either name is found, and the import writes each phase
    scene's images under the name of its split entry's `dataset` (what submissions must use);
  - object masks (required for test views) in <scene>/masks/ or <scene>/mask/, named like the images,
    cam_{i+1:03d}.png, or {i:03d}.png (0-based, as in the IDR release of DTU).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from PIL import Image

from evaluator.contract import ProgressFn
from evaluator.hidden import HiddenKey

from .archive import png_header
from .cameras import Camera, camera_from_projection, cameras_write, projection_read
from .config import DATASET_IMAGE_NAMES, DEFAULT_DATASET, PHASES, SCORED_LIGHT
from .layout import (
    TRAIN_DIR,
    Manifest,
    SceneSplit,
    image_name,
    leaderboard_splits_write,
    manifest_write,
    split_file_name,
    split_parse,
    split_write,
    view_label,
)
from .readme import readme_write
from .splits import scenes_halves
from .views import boxes_write, mask_read, view_write


def _image_candidates(index: int, dataset: str = DEFAULT_DATASET) -> list[str]:
    """Accepted image file names of 0-based view `index`: the dataset's naming first, then the others'."""
    others = [d for d in DATASET_IMAGE_NAMES if d != dataset]
    return [image_name(index=index, dataset=d) for d in (dataset, *others)]


def _mask_candidates(index: int, dataset: str = DEFAULT_DATASET) -> list[str]:
    """Accepted mask file names of 0-based view `index`."""
    return [*_image_candidates(index, dataset), f"cam_{index + 1:03d}.png", f"{index:03d}.png"]


def _first(folders: list[Path], names: list[str]) -> Path | None:
    """The first existing file among folders x names."""
    for folder in folders:
        for name in names:
            if (folder / name).is_file():
                return folder / name
    return None


class _Scene:
    """Where the files of one source scene are, with the problems found while looking."""

    def __init__(
        self, *, source: Path, folder: Path, problems: list[str], dataset: str = DEFAULT_DATASET
    ) -> None:
        self.folder, self.problems, self.dataset = folder, problems, dataset
        self.calibration = [
            folder / "cameras",
            folder,
            source / "Calibration" / "cal18",
            source / "calibration",
        ]
        self.images = [folder / "images", folder / "image", folder]
        self.masks = [folder / "masks", folder / "mask"]
        self.cameras = self._cameras()

    def _cameras(self) -> list[Camera]:
        """Every pos_{i+1:03d}.txt of the scene, contiguous from 001, decomposed into K, R, t."""
        base = next((f for f in self.calibration if (f / "pos_001.txt").is_file()), None)
        if base is None:
            self.problems.append(f"{self.folder.name}: no calibration pos_001.txt found")
            return []
        cameras, index = [], 0
        while (base / f"pos_{index + 1:03d}.txt").is_file():
            path = base / f"pos_{index + 1:03d}.txt"
            try:
                cameras.append(camera_from_projection(P=projection_read(path=path)))
            except ValueError as exc:
                self.problems.append(f"{path}: {exc}")
                return []
            index += 1
        return cameras

    def image(self, index: int) -> Path | None:
        """The image file of a view, or None (a problem is recorded)."""
        names = _image_candidates(index, self.dataset)
        found = _first(self.images, names)
        if found is None:
            self.problems.append(f"{self.folder.name}: image of view {index} missing ({names[0]})")
        return found

    def mask(self, index: int, *, required: bool) -> Path | None:
        """The mask file of a view, or None (a problem is recorded when required)."""
        found = _first(self.masks, _mask_candidates(index, self.dataset))
        if found is None and required:
            self.problems.append(
                f"{self.folder.name}: mask of test view {index} missing (masks/cam_{index + 1:03d}.png)"
            )
        return found


def _png_check(path: Path, *, rgb: bool, size: list[tuple[int, int]], problems: list[str]) -> None:
    """Check an image file decodes, is 8-bit RGB (images) and has the dataset's size."""
    try:
        with Image.open(path) as img:
            if img.format != "PNG":
                problems.append(f"{path}: not a PNG file")
                return
            with open(path, "rb") as fh:
                header = png_header(data=fh.read(33))
            if rgb and (img.mode != "RGB" or header is None or header.bit_depth != 8):
                depth = "?" if header is None else header.bit_depth
                problems.append(f"{path}: mode {img.mode} ({depth}-bit), expected 8-bit RGB")
            if not size:
                size.append(img.size)
            elif img.size != size[0]:
                problems.append(
                    f"{path}: size {img.size[0]}x{img.size[1]}, expected {size[0][0]}x{size[0][1]}"
                )
            img.load()
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        problems.append(f"{path}: unreadable image ({exc})")


def _splits_read(source: Path, problems: list[str]) -> dict[str, dict[str, SceneSplit]]:
    """The split files of the four phases."""
    result = {}
    for phase, track, stage in PHASES:
        name = split_file_name(track=track, stage=stage)
        path = _first([source, source / "splits"], [name])
        if path is None:
            problems.append(f"{name}: split file missing")
            continue
        try:
            result[phase] = split_parse(document=json.loads(path.read_text(encoding="utf-8")), where=name)
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            problems.append(f"{name}: unreadable ({exc})")
        except ValueError as exc:
            problems.append(str(exc))
    return result


def _scene_plan(
    *, source: Path, name: str, phase: str, split: SceneSplit, size: list, problems: list[str]
) -> _Scene | None:
    """Check one scene of a phase: calibrations, input and test images, test masks (None: folder missing)."""
    if not (source / name).is_dir():
        problems.append(f"{name}: scene folder missing (needed by {phase})")
        return None
    scene = _Scene(source=source, folder=source / name, problems=problems, dataset=split.dataset)
    for index in (*split.input_views, *split.test_views):
        if scene.cameras and index >= len(scene.cameras):
            problems.append(f"{name}: view {index} has no calibration (pos_{index + 1:03d}.txt)")
    for index in split.input_views:
        if (path := scene.image(index)) is not None:
            _png_check(path, rgb=True, size=size, problems=problems)
    for index in split.test_views:
        if (path := scene.image(index)) is not None:
            _png_check(path, rgb=True, size=size, problems=problems)
        if (path := scene.mask(index, required=True)) is not None:
            _png_check(path, rgb=False, size=size, problems=problems)
    return scene


def _train_plan(*, source: Path, size: list, problems: list[str]) -> dict[str, tuple[_Scene, list[int]]]:
    """Check the optional training scenes: every calibrated view that has an image."""
    train: dict[str, tuple[_Scene, list[int]]] = {}
    if not (source / TRAIN_DIR).is_dir():
        return train
    for folder in sorted(p for p in (source / TRAIN_DIR).iterdir() if p.is_dir()):
        scene = _Scene(source=source, folder=folder, problems=problems)
        views = [i for i in range(len(scene.cameras)) if _first(scene.images, _image_candidates(i))]
        for index in views:
            _png_check(scene.image(index), rgb=True, size=size, problems=problems)
        train[folder.name] = (scene, views)
    return train


def _plan(source: Path) -> tuple[dict, dict, list[str], list[tuple[int, int]]]:
    """Locate and check every file to import; returns (phase plan, train plan, problems, [size])."""
    problems: list[str] = []
    if not source.is_dir():
        raise ValueError(f"{source}: not a folder")
    splits = _splits_read(source, problems)
    size: list[tuple[int, int]] = []
    plan: dict[str, dict[str, tuple[_Scene, SceneSplit]]] = {}
    for phase, scenes in splits.items():
        plan[phase] = {}
        for name, split in scenes.items():
            scene = _scene_plan(
                source=source, name=name, phase=phase, split=split, size=size, problems=problems
            )
            if scene is not None:
                plan[phase][name] = (scene, split)
    train = _train_plan(source=source, size=size, problems=problems)
    if not size and not problems:
        problems.append(f"{source}: no images found")
    return plan, train, problems, size


def real_data_import(*, source: Path, out_dir: Path, hidden: HiddenKey, progress: ProgressFn) -> None:
    """Check the whole source first (ValueError lists every problem), then write public/ and hidden/.

    The public/private leaderboard halves of each phase are drawn from the hidden key."""
    plan, train, problems, size = _plan(source)
    if problems:
        raise ValueError(f"cannot import {source}:\n" + "\n".join(problems))
    public_dir, hidden_dir = out_dir / "public", out_dir / "hidden"
    for folder in (public_dir, hidden_dir):
        if folder.exists() and any(folder.iterdir()):
            raise ValueError(f"{folder} is not empty; import into a fresh version folder")
    width, height = size[0]
    (public_dir / TRAIN_DIR).mkdir(parents=True, exist_ok=True)
    jobs = [(TRAIN_DIR, name, scene, views, (), None) for name, (scene, views) in train.items()]
    jobs += [
        (phase, name, scene, split.input_views, split.test_views, split.dataset)
        for phase, scenes in plan.items()
        for name, (scene, split) in scenes.items()
    ]
    for done, (role, name, scene, inputs, tests, dataset) in enumerate(jobs, 1):
        _scene_write(
            scene=scene,
            public=public_dir / role / name,
            hidden=hidden_dir / role / name,
            views=(inputs, tests),
            dataset=dataset,
            size=(width, height),
        )
        progress(done / len(jobs), f"imported {role}/{name}")
    for phase, scenes in plan.items():
        split_write(public_dir=public_dir, phase=phase, splits={n: s for n, (_, s) in scenes.items()})
    halves = {
        phase: scenes_halves(scenes=list(scenes), rng=hidden.rng("halves", phase))
        for phase, scenes in plan.items()
    }
    leaderboard_splits_write(hidden_dir=hidden_dir, halves=halves)
    cameras = max(len(scene.cameras) for scenes in plan.values() for scene, _ in scenes.values())
    manifest = Manifest(
        width=width,
        height=height,
        cameras=cameras,
        conditions=1,
        source="imported",
        train_scenes=tuple(train),
        phase_scenes={phase: tuple(scenes) for phase, scenes in plan.items()},
        platform_plane=None,
    )
    manifest_write(
        public_dir=public_dir,
        manifest=manifest,
        extra={"imported_from": source.name, "imported_conditions": [SCORED_LIGHT]},
    )
    readme_write(public_dir=public_dir, manifest=manifest)


def _scene_write(
    *, scene: _Scene, public: Path, hidden: Path, views: tuple, dataset: str | None, size: tuple[int, int]
) -> None:
    """Copy one scene: cameras and input views to public, test views (image, mask, box) to hidden.

    Phase scenes' images are named as their dataset names them; training scenes keep their file names."""
    width, height = size
    inputs, tests = views
    cameras_write(folder=public / "cameras", cameras=scene.cameras, width=width, height=height)
    for target, chosen, required in ((public, inputs, False), (hidden, tests, True)):
        if not chosen:
            continue
        boxes: dict[str, object] = {}
        (target / "images").mkdir(parents=True, exist_ok=True)
        for index in chosen:
            found = scene.image(index)
            name = found.name if dataset is None else image_name(index=index, dataset=dataset)
            shutil.copyfile(found, target / "images" / name)
            mask_path = scene.mask(index, required=required)
            if mask_path is not None:
                mask = mask_read(path=mask_path)
                view_write(folder=target, index=index, images={}, mask=mask, boxes=boxes)
            else:
                boxes[view_label(index=index)] = None
        boxes_write(folder=target, boxes=boxes)
