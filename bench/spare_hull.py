"""Choose the reprojection baseline's photo-consistency scale on the public training scenes only.

Usage: .venv/bin/python bench/spare_hull.py --data DIR [--tests 4] [--inputs 3] [--scales 0.05 0.1 0.2]
DIR is a built spare dataset (DATA_ROOT/spare/<version> or bench/spare_build.py --out). Each training scene
gets input views drawn as a phase's are (a fixed public seed) and a few held-out views; prints PSNR and
PSNR-M of grey and of the baseline at each scale. The hidden data is never read.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from evaluator.benchmarks.spare.cameras import cameras_read, rig_adjacent  # noqa: E402
from evaluator.benchmarks.spare.layout import TRAIN_DIR, image_name, manifest_read, mask_name  # noqa: E402
from evaluator.benchmarks.spare.reproject import reproject_render, scene_model  # noqa: E402
from evaluator.benchmarks.spare.splits import views_choose  # noqa: E402
from evaluator.benchmarks.spare.views import image_read, mask_read  # noqa: E402


def _psnr(pred: np.ndarray, target: np.ndarray) -> float:
    """PSNR (dB) of two arrays in [0, 1]."""
    return float(-10 * np.log10(max(np.mean((pred - target) ** 2), 1e-10)))


def main() -> None:
    """Score grey and the baseline at each scale on held-out views of the training scenes."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--tests", type=int, default=4)
    parser.add_argument("--inputs", type=int, default=3)
    parser.add_argument("--scales", type=float, nargs="+", default=[0.05, 0.1, 0.2])
    args = parser.parse_args()
    public = args.data / "public"
    manifest = manifest_read(public_dir=public)
    rng = np.random.default_rng(0)
    scores: dict[str, list[tuple[float, float]]] = {"grey": []}
    for scene in manifest.train_scenes:
        folder = public / TRAIN_DIR / scene
        cameras = cameras_read(folder=folder / "cameras")
        split = views_choose(
            centres=np.stack([c.centre for c in cameras]),
            adjacent=rig_adjacent(cameras=len(cameras)),
            inputs=args.inputs,
            tests=args.tests,
            rng=rng,
        )
        images = {i: image_read(path=folder / "images" / image_name(index=i)) for i in split.input_views}
        masks = {i: mask_read(path=folder / "masks" / mask_name(index=i)) for i in split.input_views}
        start = time.perf_counter()
        model = scene_model(
            images=images,
            masks=masks,
            cameras=cameras,
            plane=manifest.platform_plane,
            floor=manifest.platform_plane,
            width=manifest.width,
            height=manifest.height,
        )
        for view in split.test_views:
            target = image_read(path=folder / "images" / image_name(index=view))
            mask = mask_read(path=folder / "masks" / mask_name(index=view))
            scores["grey"].append((_psnr(np.full_like(target, 0.5), target), _psnr(0.5, target[mask])))
            for scale in args.scales:
                pred = reproject_render(model=model, camera=cameras[view], consistency=scale)
                scores.setdefault(f"consistency {scale}", []).append(
                    (_psnr(pred, target), _psnr(pred[mask], target[mask]))
                )
        print(f"{scene}: {time.perf_counter() - start:.1f} s", flush=True)
    print(f"{'method':<20} {'PSNR':>6} {'PSNR-M':>7}  ({len(scores['grey'])} held-out training views)")
    for name, values in scores.items():
        psnr, psnr_m = np.mean(values, axis=0)
        print(f"{name:<20} {psnr:6.2f} {psnr_m:7.2f}")


if __name__ == "__main__":
    main()
