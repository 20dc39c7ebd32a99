"""The real-SpaRe-layout source folder of bench/spare_fullres.py, rendered by the project's ray tracer.

Layout: Track{1,2}_split_{development,test}.json at the root; per scene cameras/pos_{i+1:03d}.txt (all
64 rig cameras), images/cam_{i+1:03d}_3_0000.png and masks/cam_{i+1:03d}_3_0000.png (255 = object) for
the rendered views only. Views already on disk (their mask written) are not rendered again; delete the
folder after a change to the renderer or the scenes.
"""

from __future__ import annotations

import concurrent.futures
import json
import multiprocessing
import os
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from evaluator.benchmarks.spare.cameras import projection_write, rig_adjacent, rig_cameras
from evaluator.benchmarks.spare.config import SCORED_LIGHT, TRACK_INPUTS
from evaluator.benchmarks.spare.layout import SceneSplit, image_name, split_document
from evaluator.benchmarks.spare.renderer import render_compose, view_render
from evaluator.benchmarks.spare.scenes import condition_lights, scene_sample
from evaluator.benchmarks.spare.splits import views_choose

SEED = 0
CAMERAS = 64
LIGHTS = 6


@dataclass(frozen=True)
class ViewJob:
    """One view to render into the source folder: scene (index, name), view index and resolution."""

    scene_index: int
    scene: str
    view: int
    width: int
    height: int
    folder: Path


def view_job_run(job: ViewJob) -> float:
    """Render one view under the scored lighting; write its image and mask PNGs; return seconds."""
    start = time.perf_counter()
    scene = scene_sample(name=job.scene, rng=np.random.default_rng([SEED, job.scene_index, 0]), lights=LIGHTS)
    camera = rig_cameras(cameras=CAMERAS, width=job.width, height=job.height)[job.view]
    render = view_render(scene=scene, camera=camera, width=job.width, height=job.height)
    weights = condition_lights(condition=SCORED_LIGHT, lights=LIGHTS, all_on=SCORED_LIGHT)
    rgb = render_compose(render=render, weights=weights)
    name = image_name(index=job.view)
    Image.fromarray(rgb, mode="RGB").save(job.folder / "images" / name)
    partial = job.folder / "masks" / f"{name}.part"  # the mask marks a finished view: write it atomically
    Image.fromarray(render.mask.astype(np.uint8) * 255, mode="L").save(partial, format="PNG")
    os.replace(partial, job.folder / "masks" / name)
    return time.perf_counter() - start


def source_splits(*, scenes: int, views: int) -> dict[str, dict[str, SceneSplit]]:
    """The four phases' splits: track1 chosen like the generator; track2 reuses track1's views.

    Track 2 takes the 3 track-1 inputs plus the first min(6, views - 1) test views as inputs and the
    remaining test views as tests, so it needs no extra renders.
    """
    cameras = rig_cameras(cameras=CAMERAS, width=16, height=12)
    centres = np.stack([c.centre for c in cameras])
    adjacent = rig_adjacent(cameras=CAMERAS)
    track1, track2 = {}, {}
    for index in range(scenes):
        name = f"scan{index + 1:03d}"
        split = views_choose(
            centres=centres,
            adjacent=adjacent,
            inputs=TRACK_INPUTS[1],
            tests=views,
            rng=np.random.default_rng([SEED, index, 1]),
        )
        track1[name] = split
        extra = min(TRACK_INPUTS[2] - TRACK_INPUTS[1], views - 1)
        track2[name] = SceneSplit(
            input_views=tuple(sorted(split.input_views + split.test_views[:extra])),
            test_views=split.test_views[extra:],
        )
    return {
        "Track1_split_development.json": track1,
        "Track1_split_test.json": track1,
        "Track2_split_development.json": track2,
        "Track2_split_test.json": track2,
    }


def source_render(*, source: Path, scenes: int, views: int, width: int, height: int, workers: int) -> dict:
    """Write the real-layout source folder (skipping views already rendered); returns render figures."""
    splits = source_splits(scenes=scenes, views=views)
    source.mkdir(parents=True, exist_ok=True)
    for file_name, document in splits.items():
        (source / file_name).write_text(json.dumps(split_document(splits=document), indent=1))
    cameras = rig_cameras(cameras=CAMERAS, width=width, height=height)
    jobs = []
    for index, (name, split) in enumerate(splits["Track1_split_development.json"].items()):
        folder = source / name
        for sub in ("cameras", "images", "masks"):
            (folder / sub).mkdir(parents=True, exist_ok=True)
        for view, camera in enumerate(cameras):
            projection_write(path=folder / "cameras" / f"pos_{view + 1:03d}.txt", P=camera.P)
        for view in (*split.input_views, *split.test_views):
            if not (folder / "masks" / image_name(index=view)).is_file():
                jobs.append(
                    ViewJob(
                        scene_index=index, scene=name, view=view, width=width, height=height, folder=folder
                    )
                )
    start = time.perf_counter()
    context = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(workers, mp_context=context) as pool:
        per_view = list(pool.map(view_job_run, jobs))
    wall = time.perf_counter() - start
    return {"views": len(jobs), "wall_s": wall, "view_s": per_view}
