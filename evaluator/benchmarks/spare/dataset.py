"""Deterministic build of the generated dataset: renders every scene and writes public/hidden."""

from __future__ import annotations

import concurrent.futures
import multiprocessing
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from evaluator.contract import ProgressFn
from evaluator.hidden import BuildSeeds, HiddenKey

from .cameras import Camera, cameras_write, rig_adjacent, rig_cameras
from .config import PHASES, SCORED_LIGHT, TRACK_INPUTS, SpareConfig
from .layout import (
    TRAIN_DIR,
    Manifest,
    SceneSplit,
    leaderboard_splits_write,
    manifest_write,
    split_write,
)
from .readme import readme_write
from .renderer import render_compose, view_render
from .scenes import condition_lights, scene_sample
from .splits import scenes_halves, views_choose
from .views import boxes_write, view_write

#: What the manifest says of its public seed.
PUBLIC_SEED_NOTE = (
    "public_seed determines the training scenes only; the phase scenes, their view choice and the"
    " leaderboard halves derive from a per-deployment secret"
)
#: The top face of the platform, n . x + d = 0 with n = +z.
PLATFORM_PLANE = (0.0, 0.0, 1.0, 0.0)


@dataclass(frozen=True)
class SceneJob:
    """Everything one worker needs to render and write one scene."""

    index: int
    name: str
    role: str
    entropy: tuple[int, ...]  # seed material of the scene: public for training scenes, hidden otherwise
    config: SpareConfig
    split: SceneSplit | None
    public_dir: Path
    hidden_dir: Path


def scene_names(*, config: SpareConfig) -> tuple[list[str], dict[str, list[str]]]:
    """Training scene names and each phase's scene names (scene000, scene001, ...)."""
    names = [f"scene{i:03d}" for i in range(config.total_scenes)]
    train = names[: config.train_scenes]
    phases, cursor = {}, config.train_scenes
    for phase, _, _ in PHASES:
        phases[phase] = names[cursor : cursor + config.scenes_per_phase]
        cursor += config.scenes_per_phase
    return train, phases


def scene_job_run(job: SceneJob) -> str:
    """Render and write one scene: all views for training, inputs public and tests hidden otherwise."""
    cfg = job.config
    scene = scene_sample(name=job.name, rng=np.random.default_rng(list(job.entropy)), lights=cfg.lights)
    cameras = rig_cameras(cameras=cfg.cameras, width=cfg.width, height=cfg.height)
    public = job.public_dir / job.role / job.name
    cameras_write(folder=public / "cameras", cameras=cameras, width=cfg.width, height=cfg.height)
    weights = {
        c: condition_lights(condition=c, lights=cfg.lights, all_on=SCORED_LIGHT)
        for c in range(cfg.conditions)
    }
    inputs = range(cfg.cameras) if job.split is None else job.split.input_views
    public_boxes: dict[str, object] = {}
    for index in inputs:
        render = view_render(scene=scene, camera=cameras[index], width=cfg.width, height=cfg.height)
        images = {c: render_compose(render=render, weights=w) for c, w in weights.items()}
        view_write(folder=public, index=index, images=images, mask=render.mask, boxes=public_boxes)
    boxes_write(folder=public, boxes=public_boxes)
    if job.split is not None:
        hidden = job.hidden_dir / job.role / job.name
        hidden_boxes: dict[str, object] = {}
        for index in job.split.test_views:
            render = view_render(scene=scene, camera=cameras[index], width=cfg.width, height=cfg.height)
            image = {SCORED_LIGHT: render_compose(render=render, weights=weights[SCORED_LIGHT])}
            view_write(folder=hidden, index=index, images=image, mask=render.mask, boxes=hidden_boxes)
        boxes_write(folder=hidden, boxes=hidden_boxes)
    return job.name


def _phase_splits(
    *, config: SpareConfig, hidden: HiddenKey, phases: dict[str, list[str]], cameras: list[Camera]
) -> dict[str, dict[str, SceneSplit]]:
    """Input/test views of every phase scene, drawn from the hidden key (then published in split files)."""
    centres = np.stack([camera.centre for camera in cameras])
    adjacent = rig_adjacent(cameras=config.cameras)
    result: dict[str, dict[str, SceneSplit]] = {}
    for phase, track, _ in PHASES:
        result[phase] = {}
        for name in phases[phase]:
            result[phase][name] = views_choose(
                centres=centres,
                adjacent=adjacent,
                inputs=TRACK_INPUTS[track],
                tests=config.test_views,
                rng=hidden.rng("views", phase, name),
            )
    return result


def dataset_build(*, out_dir: Path, config: SpareConfig, seeds: BuildSeeds, progress: ProgressFn) -> None:
    """Generate the whole dataset into out_dir/public and out_dir/hidden (refuses a non-empty target).

    Training scenes derive from the public seed (default_rng([public, index, 0])); every phase scene,
    its view choice and the leaderboard halves derive from the hidden key, so the hidden test views
    cannot be re-rendered from anything public."""
    public_dir, hidden_dir = out_dir / "public", out_dir / "hidden"
    for folder in (public_dir, hidden_dir):
        if folder.exists() and any(folder.iterdir()):
            raise ValueError(f"{folder} is not empty; build into a fresh version folder")
    train, phases = scene_names(config=config)
    cameras = rig_cameras(cameras=config.cameras, width=config.width, height=config.height)
    splits = _phase_splits(config=config, hidden=seeds.hidden, phases=phases, cameras=cameras)
    (public_dir / TRAIN_DIR).mkdir(parents=True, exist_ok=True)
    jobs = [
        SceneJob(
            index=i,
            name=name,
            role=TRAIN_DIR,
            entropy=(seeds.public, i, 0),
            config=config,
            split=None,
            public_dir=public_dir,
            hidden_dir=hidden_dir,
        )
        for i, name in enumerate(train)
    ]
    for phase, _, _ in PHASES:
        split_write(public_dir=public_dir, phase=phase, splits=splits[phase])
        for name in phases[phase]:
            jobs.append(
                SceneJob(
                    index=len(jobs),
                    name=name,
                    role=phase,
                    entropy=seeds.hidden.entropy("scene", phase, name),
                    config=config,
                    split=splits[phase][name],
                    public_dir=public_dir,
                    hidden_dir=hidden_dir,
                )
            )
    progress(0.0, "rendering scenes")
    # Daemonic processes (e.g. a Celery prefork child) may not start children: render in-process there.
    if config.workers == 1 or multiprocessing.current_process().daemon:
        for done, job in enumerate(jobs, 1):
            scene_job_run(job)
            progress(done / len(jobs), f"rendered {job.name}")
    else:
        context = multiprocessing.get_context("spawn")
        with concurrent.futures.ProcessPoolExecutor(config.workers, mp_context=context) as pool:
            for done, name in enumerate(pool.map(scene_job_run, jobs), 1):
                progress(done / len(jobs), f"rendered {name}")
    halves = {
        phase: scenes_halves(scenes=phases[phase], rng=seeds.hidden.rng("halves", phase))
        for phase, _, _ in PHASES
    }
    leaderboard_splits_write(hidden_dir=hidden_dir, halves=halves)
    manifest = Manifest(
        width=config.width,
        height=config.height,
        cameras=config.cameras,
        conditions=config.conditions,
        source="generated",
        train_scenes=tuple(train),
        phase_scenes={phase: tuple(scenes) for phase, scenes in phases.items()},
        platform_plane=PLATFORM_PLANE,
    )
    manifest_write(
        public_dir=public_dir,
        manifest=manifest,
        extra={"public_seed": seeds.public, "seeds": PUBLIC_SEED_NOTE},
    )
    readme_write(public_dir=public_dir, manifest=manifest)
