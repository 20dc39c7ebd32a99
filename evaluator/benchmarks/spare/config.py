"""Size knobs of the generated SpaRe-style dataset (scene counts, resolution, views)."""

from __future__ import annotations

from dataclasses import dataclass

#: The four phases: (phase slug, track number, SpaRe split-file stage name).
PHASES: tuple[tuple[str, int, str], ...] = (
    ("track1-dev", 1, "development"),
    ("track1-test", 1, "test"),
    ("track2-dev", 2, "development"),
    ("track2-test", 2, "test"),
)

#: Input views per track (SpaRe: 3 for track 1, 9 for track 2).
TRACK_INPUTS: dict[int, int] = {1: 3, 2: 9}

#: The lighting condition that is released for test views and scored (all lights on).
SCORED_LIGHT = 3

#: SpaRe's datasets (the `dataset` field of its split files) -> image file name of a 0-based view under a
#: lighting condition (SpaReBenchmark.github.io, "Data structure"). Generated scenes are "Synthetic".
DATASET_IMAGE_NAMES: dict[str, str] = {
    "Synthetic": "cam_{view:03d}_{condition}_0000.png",
    "DTU": "rect_{view:03d}_{condition}_r5000.png",
}
#: The dataset whose scenes the leaderboard ranks on (SpaRe's own synthetic scenes); the others are scored
#: and published apart, under metric keys prefixed with the dataset's lower-case name ("dtu_psnr_m").
RANKING_DATASET = "Synthetic"
DEFAULT_DATASET = "Synthetic"


@dataclass(frozen=True)
class SpareConfig:
    """Generated-data configuration; the default is the hosted benchmark, tests use a small one."""

    width: int = 200
    height: int = 150
    train_scenes: int = 8
    scenes_per_phase: int = 12  # 6 per leaderboard split: see VERSION 1.2 in benchmark.py
    test_views: int = 10
    cameras: int = 64
    lights: int = 6
    conditions: int = 7
    workers: int = 2

    def __post_init__(self) -> None:
        if not (16 <= self.width <= 1600 and 12 <= self.height <= 1200):
            raise ValueError(f"resolution {self.width}x{self.height} outside 16x12 .. 1600x1200")
        if self.width * 3 != self.height * 4:
            raise ValueError(f"resolution {self.width}x{self.height} is not 4:3")
        if self.scenes_per_phase < 2 or self.scenes_per_phase % 2:
            raise ValueError(f"scenes_per_phase={self.scenes_per_phase} must be even and >= 2")
        if self.train_scenes < 0:
            raise ValueError(f"train_scenes={self.train_scenes} must be >= 0")
        if self.cameras < 16 or self.cameras % 4:
            raise ValueError(f"cameras={self.cameras} must be a multiple of 4 and >= 16")
        if not 1 <= self.test_views <= 16:
            raise ValueError(f"test_views={self.test_views} must be in 1..16")
        if not 2 <= self.lights <= 8:
            raise ValueError(f"lights={self.lights} must be in 2..8")
        if self.conditions <= SCORED_LIGHT:
            raise ValueError(f"conditions={self.conditions} must exceed the scored condition {SCORED_LIGHT}")
        if self.workers < 1:
            raise ValueError(f"workers={self.workers} must be >= 1")

    @property
    def total_scenes(self) -> int:
        """Number of generated scenes (training plus every phase)."""
        return self.train_scenes + self.scenes_per_phase * len(PHASES)
