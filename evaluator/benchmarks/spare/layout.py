"""File layout of a built dataset: names, the public manifest and SpaRe split files."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from .config import DATASET_IMAGE_NAMES, DEFAULT_DATASET, PHASES, SCORED_LIGHT

MANIFEST = "manifest.json"
#: The bundle's README (readme.py): which views to render, file names and size, the camera format.
README = "README.md"
SPLITS_DIR = "splits"
TRAIN_DIR = "train"
LEADERBOARD_SPLITS = "leaderboard_splits.json"


@dataclass(frozen=True)
class SceneSplit:
    """Input and test view indices (0-based) of one scene in one phase, and its SpaRe dataset."""

    input_views: tuple[int, ...]
    test_views: tuple[int, ...]
    dataset: str = DEFAULT_DATASET


@dataclass(frozen=True)
class Manifest:
    """What the public data says about itself: resolution, cameras, scenes per role."""

    width: int
    height: int
    cameras: int
    conditions: int
    source: str
    train_scenes: tuple[str, ...]
    phase_scenes: dict[str, tuple[str, ...]]
    platform_plane: tuple[float, float, float, float] | None


def image_name(*, index: int, condition: int = SCORED_LIGHT, dataset: str = DEFAULT_DATASET) -> str:
    """SpaRe image name of 0-based view `index` under a lighting condition (1-based in the name).

    cam_{view+1:03d}_{condition}_0000.png for Synthetic scenes, rect_{view+1:03d}_{condition}_r5000.png
    for DTU scenes."""
    if dataset not in DATASET_IMAGE_NAMES:
        raise ValueError(f"unknown dataset {dataset!r}; known: {sorted(DATASET_IMAGE_NAMES)}")
    return DATASET_IMAGE_NAMES[dataset].format(view=index + 1, condition=condition)


def image_pattern(*, dataset: str) -> str:
    """The image naming of a dataset as the documentation writes it, for messages."""
    template = DATASET_IMAGE_NAMES[dataset].replace("{condition}", str(SCORED_LIGHT))
    return template.replace("{view:03d}", "{view+1:03d}")


def mask_name(*, index: int) -> str:
    """Mask file name of 0-based view `index`."""
    return f"cam_{index + 1:03d}.png"


def view_label(*, index: int) -> str:
    """Short label of a view in item names and box files (1-based)."""
    return f"cam_{index + 1:03d}"


def submission_name(*, scene: str, index: int, dataset: str = DEFAULT_DATASET) -> str:
    """Path inside a submission ZIP of the render of test view `index` of `scene` (named as its dataset)."""
    return f"{scene}/{image_name(index=index, dataset=dataset)}"


def phase_track(*, phase: str) -> tuple[int, str]:
    """(track number, split stage) of a phase slug; ValueError names an unknown phase."""
    for slug, track, stage in PHASES:
        if slug == phase:
            return track, stage
    raise ValueError(f"unknown phase {phase!r}; known: {[slug for slug, _, _ in PHASES]}")


def split_file_name(*, track: int, stage: str) -> str:
    """SpaRe split file name, e.g. Track1_split_development.json."""
    return f"Track{track}_split_{stage}.json"


def phase_split_path(*, phase: str) -> str:
    """Path (relative to public/) of the split file of a phase."""
    track, stage = phase_track(phase=phase)
    return f"{SPLITS_DIR}/{split_file_name(track=track, stage=stage)}"


def phase_public_paths(*, phase: str) -> tuple[str, ...]:
    """The public paths that form a phase's downloadable bundle."""
    return (MANIFEST, README, phase_split_path(phase=phase), TRAIN_DIR, phase)


def split_document(*, splits: dict[str, SceneSplit]) -> dict[str, dict[str, object]]:
    """A split mapping in SpaRe's JSON form."""
    return {
        scene: {
            "input_views": list(split.input_views),
            "test_views": list(split.test_views),
            "dataset": split.dataset,
        }
        for scene, split in splits.items()
    }


def split_parse(*, document: object, where: str) -> dict[str, SceneSplit]:
    """Parse a SpaRe split JSON document; ValueError lists every problem, prefixed with `where`."""
    if not isinstance(document, dict) or not document:
        raise ValueError(f"{where}: expected a non-empty object mapping scene names to views")
    problems, result = [], {}
    for scene, entry in document.items():
        views = {}
        for key in ("input_views", "test_views"):
            value = entry.get(key) if isinstance(entry, dict) else None
            if (
                not isinstance(value, list)
                or not value
                or not all(isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in value)
            ):
                problems.append(f"{where}: scene {scene!r}: {key} must be a non-empty list of indices >= 0")
            else:
                views[key] = tuple(value)
        if not isinstance(scene, str) or not scene or "/" in scene or "\\" in scene or scene.startswith("."):
            problems.append(f"{where}: scene name {scene!r} is not a plain folder name")
        dataset = entry.get("dataset", DEFAULT_DATASET) if isinstance(entry, dict) else DEFAULT_DATASET
        if dataset not in DATASET_IMAGE_NAMES:
            problems.append(
                f"{where}: scene {scene!r}: dataset {dataset!r} is not one of {sorted(DATASET_IMAGE_NAMES)}"
            )
        elif len(views) == 2:
            if set(views["input_views"]) & set(views["test_views"]):
                problems.append(f"{where}: scene {scene!r}: a view is both input and test")
            result[scene] = SceneSplit(
                input_views=views["input_views"], test_views=views["test_views"], dataset=dataset
            )
    if problems:
        raise ValueError("\n".join(problems))
    return result


def split_read(*, public_dir: Path, phase: str) -> dict[str, SceneSplit]:
    """Read the split file of a phase from the public data."""
    path = public_dir / phase_split_path(phase=phase)
    return split_parse(document=json.loads(path.read_text(encoding="utf-8")), where=path.name)


def split_write(*, public_dir: Path, phase: str, splits: dict[str, SceneSplit]) -> None:
    """Write the split file of a phase into the public data."""
    path = public_dir / phase_split_path(phase=phase)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(split_document(splits=splits), indent=1), encoding="utf-8")


def manifest_write(*, public_dir: Path, manifest: Manifest, extra: dict[str, object]) -> None:
    """Write public/manifest.json."""
    document = {
        "width": manifest.width,
        "height": manifest.height,
        "cameras": manifest.cameras,
        "conditions": manifest.conditions,
        "scored_condition": SCORED_LIGHT,
        "source": manifest.source,
        "train_scenes": list(manifest.train_scenes),
        "phases": {phase: list(scenes) for phase, scenes in manifest.phase_scenes.items()},
        "platform_plane": None if manifest.platform_plane is None else list(manifest.platform_plane),
        "layout": {
            "image": (
                "<role>/<scene>/images/cam_{view+1:03d}_{condition}_0000.png (Synthetic scenes) or"
                " rect_{view+1:03d}_{condition}_r5000.png (DTU scenes; the split file's dataset field)"
            ),
            "mask": "<role>/<scene>/masks/cam_{view+1:03d}.png (255 = object)",
            "boxes": (
                "<role>/<scene>/boxes.json: cam_{view+1:03d} -> [x0, y0, x1, y1] (x1, y1 exclusive) or null"
            ),
            "cameras": "<role>/<scene>/cameras/pos_{view+1:03d}.txt (P = K[R|t]) and cameras.json",
            "submission": (
                "<scene>/cam_{view+1:03d}_3_0000.png (Synthetic) or <scene>/rect_{view+1:03d}_3_r5000.png"
                " (DTU), 8-bit RGB PNG at width x height"
            ),
        },
        **extra,
    }
    public_dir.mkdir(parents=True, exist_ok=True)
    (public_dir / MANIFEST).write_text(json.dumps(document, indent=1), encoding="utf-8")


def manifest_read(*, public_dir: Path) -> Manifest:
    """Read public/manifest.json."""
    document = json.loads((public_dir / MANIFEST).read_text(encoding="utf-8"))
    plane = document.get("platform_plane")
    return Manifest(
        width=int(document["width"]),
        height=int(document["height"]),
        cameras=int(document["cameras"]),
        conditions=int(document["conditions"]),
        source=str(document["source"]),
        train_scenes=tuple(document["train_scenes"]),
        phase_scenes={phase: tuple(scenes) for phase, scenes in document["phases"].items()},
        platform_plane=None if plane is None else tuple(float(v) for v in plane),
    )


def leaderboard_splits_write(*, hidden_dir: Path, halves: dict[str, dict[str, list[str]]]) -> None:
    """Write which scenes of each phase count for the public and the private leaderboard."""
    hidden_dir.mkdir(parents=True, exist_ok=True)
    (hidden_dir / LEADERBOARD_SPLITS).write_text(json.dumps(halves, indent=1), encoding="utf-8")


def leaderboard_splits_read(*, hidden_dir: Path) -> dict[str, dict[str, list[str]]]:
    """Read the public/private scene halves of every phase."""
    return json.loads((hidden_dir / LEADERBOARD_SPLITS).read_text(encoding="utf-8"))
