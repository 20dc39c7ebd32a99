"""Score every spare baseline on dev phases, with each baseline's time per scene, and the object-mask
statistics that explain grey's masked PSNR.

Usage: .venv/bin/python bench/spare_baselines.py [--data DIR] [--phases track1-dev track2-dev] [--stats-only]
       [--upscale 8]
DIR is a built dataset (DATA_ROOT/spare/<version>, or bench/spare_build.py --out); without it the default
dataset is built once into a temporary folder with a throwaway secret. Prints tables for docs/perf/spare.md.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from evaluator.benchmarks.spare import SpareBenchmark  # noqa: E402
from evaluator.benchmarks.spare.baselines import METHODS  # noqa: E402
from evaluator.benchmarks.spare.cameras import cameras_read  # noqa: E402
from evaluator.benchmarks.spare.hull import scaled_camera  # noqa: E402
from evaluator.benchmarks.spare.layout import image_name, manifest_read, mask_name, split_read  # noqa: E402
from evaluator.benchmarks.spare.reproject import reproject_render, scene_model  # noqa: E402
from evaluator.benchmarks.spare.views import image_read, mask_read  # noqa: E402
from evaluator.benchmarks.spare.warp import plane_warp  # noqa: E402
from evaluator.hardware import hardware_fingerprint  # noqa: E402
from evaluator.hidden import throwaway_seeds  # noqa: E402

KEYS = ("psnr", "psnr_m", "ssim", "ssim_m", "lpips", "lpips_m")


def _iou(a: np.ndarray, b: np.ndarray) -> float:
    """Intersection over union of two boolean masks (1 when both are empty)."""
    union = (a | b).sum()
    return float((a & b).sum() / union) if union else 1.0


def mask_statistics(*, data: Path, phase: str) -> str:
    """Object share of the test views, their colour statistics, grey's masked error, and how well the
    nearest input view's object mask overlaps the test view's, as it is and warped by the platform plane."""
    public, hidden = data / "public", data / "hidden"
    manifest = manifest_read(public_dir=public)
    rows = []
    for scene, split in split_read(public_dir=public, phase=phase).items():
        cameras = cameras_read(folder=public / phase / scene / "cameras")
        for view in split.test_views:
            target = image_read(path=hidden / phase / scene / "images" / image_name(index=view))
            mask = mask_read(path=hidden / phase / scene / "masks" / mask_name(index=view))
            nearest = min(
                split.input_views, key=lambda i: np.linalg.norm(cameras[i].centre - cameras[view].centre)
            )
            source = mask_read(path=public / phase / scene / "masks" / mask_name(index=nearest)).astype(float)
            image = image_read(path=public / phase / scene / "images" / image_name(index=nearest))
            warped = plane_warp(
                image=np.dstack([image, source]),
                src=cameras[nearest],
                dst=cameras[view],
                plane=manifest.platform_plane,
                width=manifest.width,
                height=manifest.height,
            )
            pixels = target[mask]
            rows.append(
                (
                    mask.mean(),
                    pixels.mean(),
                    pixels.std(),
                    np.mean((pixels - 0.5) ** 2),
                    _iou(source > 0.5, mask),
                    _iou(warped[..., 3] > 0.5, mask),
                    np.mean((image[mask] - pixels) ** 2),
                    np.mean((warped[..., :3][mask] - pixels) ** 2),
                )
            )
    share, mean, std, grey_mse, iou_nearest, iou_warp, mse_nearest, mse_warp = np.mean(rows, axis=0)
    return (
        f"{phase} ({len(rows)} test views): object mask {100 * share:.1f}% of the image; object pixels mean"
        f" {mean:.3f}, std {std:.3f}; masked MSE: grey {grey_mse:.4f}, nearest view {mse_nearest:.4f},"
        f" plane warp {mse_warp:.4f}; object-mask IoU with the nearest input view {iou_nearest:.2f} as it is,"
        f" {iou_warp:.2f} after the plane warp"
    )


def upscaled_timing(*, data: Path, phase: str, factor: int) -> str:
    """hull-sweep's seconds on the phase's first scene with every image upsampled `factor` times (pixel
    replication) and the cameras scaled to match: the cost at a real resolution (8: 1600x1200)."""
    public = data / "public"
    manifest = manifest_read(public_dir=public)
    scene, split = sorted(split_read(public_dir=public, phase=phase).items())[0]
    folder = public / phase / scene
    cameras = [scaled_camera(camera=c, factor=factor) for c in cameras_read(folder=folder / "cameras")]

    def up(array: np.ndarray) -> np.ndarray:
        return np.repeat(np.repeat(array, factor, axis=0), factor, axis=1)

    images = {i: up(image_read(path=folder / "images" / image_name(index=i))) for i in split.input_views}
    masks = {i: up(mask_read(path=folder / "masks" / mask_name(index=i))) for i in split.input_views}
    width, height = manifest.width * factor, manifest.height * factor
    start = time.perf_counter()
    model = scene_model(
        images=images,
        masks=masks,
        cameras=cameras,
        plane=manifest.platform_plane,
        floor=manifest.platform_plane,
        width=width,
        height=height,
    )
    model_s = time.perf_counter() - start
    views = []
    for view in split.test_views[:3]:
        start = time.perf_counter()
        reproject_render(model=model, camera=cameras[view])
        views.append(time.perf_counter() - start)
    return (
        f"hull-sweep at {width}x{height} ({phase}, {scene}, {len(images)} inputs): reconstruction"
        f" {model_s:.1f} s, {np.median(views):.1f} s per test view (median of {len(views)})"
    )


def main() -> None:
    """Build (or read) the data, print the mask statistics, then score each baseline on each phase."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=None)
    parser.add_argument("--phases", nargs="+", default=["track1-dev", "track2-dev"])
    parser.add_argument("--stats-only", action="store_true", help="the mask statistics, no scoring")
    parser.add_argument(
        "--upscale", type=int, default=0, help="also time hull-sweep at this many times the size"
    )
    args = parser.parse_args()
    bench = SpareBenchmark()
    work = Path(tempfile.mkdtemp(prefix="spare-baselines-"))
    try:
        data = args.data
        if data is None:
            data = work / "data"
            bench.build(data, seeds=throwaway_seeds(public=0))
        hw = hardware_fingerprint()
        print(f"machine: {hw['cpu']}, {hw['cores']} cores")
        for phase in args.phases:
            print(mask_statistics(data=data, phase=phase))
            if args.upscale:
                print(upscaled_timing(data=data, phase=phase, factor=args.upscale), flush=True)
        for phase in [] if args.stats_only else args.phases:
            scenes = len(split_read(public_dir=data / "public", phase=phase))
            print(f"\n{phase}: {scenes} scenes; metrics per leaderboard half (public | private)")
            print(f"| baseline | s/scene | {' | '.join(f'{k} public | {k} private' for k in KEYS)} |")
            for baseline in bench.baselines():
                start = time.perf_counter()
                payload = baseline.make_payload(data / "public", phase, work / "submissions")
                per_scene = (time.perf_counter() - start) / scenes
                splits = bench.score(payload, data / "hidden").splits
                cells = [
                    " | ".join(f"{splits[h].metrics[k]:.4f}" for h in ("public", "private")) for k in KEYS
                ]
                tag = " (reference)" if METHODS[baseline.name][2] else ""
                print(f"| {baseline.name}{tag} | {per_scene:.1f} | {' | '.join(cells)} |", flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
