"""The hull-sweep baseline: visual hull, reprojection and hole fill, and its scores against grey."""

from __future__ import annotations

import zipfile

import numpy as np
import pytest

from evaluator.benchmarks.spare.cameras import rig_cameras
from evaluator.benchmarks.spare.hull import hull_bounds, hull_carve, hull_depth, pixel_rays
from evaluator.benchmarks.spare.layout import image_name, manifest_read, mask_name
from evaluator.benchmarks.spare.reproject import holes_fill, reproject_render, scene_model
from evaluator.benchmarks.spare.scoring import METRIC_KEYS
from evaluator.benchmarks.spare.views import image_read, mask_read
from evaluator.contract import Payload

CENTRE, RADIUS = np.array([0.2, -0.1, 0.3]), 0.3


def _sphere_masks(cameras, views, width, height):
    """Exact masks of the sphere (CENTRE, RADIUS) in each view: the pixel rays that meet it."""
    masks = {}
    for index in views:
        rays = pixel_rays(camera=cameras[index], width=width, height=height)
        rays /= np.linalg.norm(rays, axis=1, keepdims=True)
        to_centre = CENTRE - cameras[index].centre
        along = rays @ to_centre
        miss = np.sum(to_centre**2) - along**2
        masks[index] = (miss <= RADIUS**2).reshape(height, width)
    return masks


def test_hull_carve_keeps_the_whole_sphere_and_little_else():
    width, height = 64, 48
    cameras = rig_cameras(cameras=16, width=width, height=height)
    views = (0, 5, 10, 15)
    masks = _sphere_masks(cameras, views, width, height)
    bounds = hull_bounds(cameras=[cameras[i] for i in views], width=width)
    grid = hull_carve(masks=masks, cameras=cameras, bounds=bounds, plane=(0.0, 0.0, 1.0, 0.0), cells=48)
    cells = np.argwhere(grid.occupied)
    centres = grid.origin + (cells + 0.5) * grid.step
    inside_all = np.argwhere(np.ones_like(grid.occupied))
    all_centres = grid.origin + (inside_all + 0.5) * grid.step
    deep = np.linalg.norm(all_centres - CENTRE, axis=1) < RADIUS - grid.step
    kept = grid.occupied.reshape(-1)[np.ravel_multi_index(inside_all.T, grid.occupied.shape)]
    assert kept[deep].all()  # no voxel inside the object is carved
    sphere_volume = 4 / 3 * np.pi * RADIUS**3
    assert len(centres) * grid.step**3 < 2.5 * sphere_volume  # four silhouettes bound it closely
    assert np.all(np.linalg.norm(centres - CENTRE, axis=1) < 3 * RADIUS)


def test_hull_depth_meets_the_sphere_surface():
    width, height = 64, 48
    cameras = rig_cameras(cameras=16, width=width, height=height)
    views = (0, 5, 10, 15)
    masks = _sphere_masks(cameras, views, width, height)
    bounds = hull_bounds(cameras=[cameras[i] for i in views], width=width)
    grid = hull_carve(masks=masks, cameras=cameras, bounds=bounds, plane=None, cells=64)
    depth = hull_depth(grid=grid, camera=cameras[5], width=width, height=height)
    rays = pixel_rays(camera=cameras[5], width=width, height=height)
    hit = np.isfinite(depth.ravel())
    points = cameras[5].centre + depth.ravel()[hit, None] * rays[hit]
    assert hit[masks[5].ravel()].all()  # the hull covers its own silhouette (grown by a voxel's rim)
    on_sphere = np.abs(np.linalg.norm(points - CENTRE, axis=1) - RADIUS)
    assert np.median(on_sphere) < 2 * grid.step  # an input view's hull depth is the surface's


def test_holes_fill_takes_unknown_pixels_from_their_surroundings():
    image = np.zeros((20, 30, 3))
    image[:, :15] = (1.0, 0.0, 0.0)
    image[:, 15:] = (0.0, 0.0, 1.0)
    known = np.ones((20, 30), dtype=bool)
    known[5:8, 2:6] = False
    known[5:8, 24:28] = False
    holed = np.where(known[..., None], image, 0.5)
    filled = holes_fill(image=holed, known=known)
    np.testing.assert_allclose(filled[known], image[known])
    assert np.allclose(filled[6, 3], (1.0, 0.0, 0.0), atol=1e-6) and np.allclose(filled[6, 25], (0, 0, 1))
    assert not holes_fill(image=holed, known=np.zeros_like(known)).any()


def _scene(built, phase="track1-dev", role=None):
    """Cameras, input images and masks of the first scene of a phase (or the training scene)."""
    public = built / "public"
    manifest = manifest_read(public_dir=public)
    role = role or phase
    scene = manifest.train_scenes[0] if role == "train" else manifest.phase_scenes[phase][0]
    folder = public / role / scene
    from evaluator.benchmarks.spare.cameras import cameras_read

    return manifest, folder, cameras_read(folder=folder / "cameras")


def test_reprojecting_an_input_view_onto_itself_reproduces_it(built):
    manifest, folder, cameras = _scene(built, role="train")
    views = (0, 21, 42)
    images = {i: image_read(path=folder / "images" / image_name(index=i)) for i in views}
    masks = {i: mask_read(path=folder / "masks" / mask_name(index=i)) for i in views}
    model = scene_model(
        images=images,
        masks=masks,
        cameras=cameras,
        plane=manifest.platform_plane,
        floor=manifest.platform_plane,
        width=manifest.width,
        height=manifest.height,
    )
    assert model.grid is not None and model.grid.occupied.any()
    again = reproject_render(model=model, camera=cameras[21])
    mse = np.mean((again - images[21]) ** 2)
    assert -10 * np.log10(mse) > 25  # its own view dominates the blend wherever it sees the surface


def test_without_masks_the_scene_is_the_platform_plane_alone(built):
    manifest, folder, cameras = _scene(built, role="train")
    images = {i: image_read(path=folder / "images" / image_name(index=i)) for i in (0, 21, 42)}
    model = scene_model(
        images=images,
        masks={},
        cameras=cameras,
        plane=manifest.platform_plane,
        floor=None,
        width=manifest.width,
        height=manifest.height,
    )
    assert model.grid is None
    out = reproject_render(model=model, camera=cameras[30])
    assert out.shape == (manifest.height, manifest.width, 3) and np.isfinite(out).all()
    assert 0.0 <= out.min() and out.max() <= 1.0


@pytest.mark.parametrize("phase", ["track1-dev", "track2-dev"])
def test_hull_sweep_beats_grey_on_every_metric(small_bench, built, tmp_path, phase):
    baselines = {b.name: b for b in small_bench.baselines()}
    scores = {}
    for name in ("grey", "hull-sweep"):
        payload = baselines[name].make_payload(built / "public", phase, tmp_path / name)
        assert small_bench.validate(payload) == []
        scores[name] = small_bench.score(payload, built / "hidden").splits
    higher = {m.name: m.higher_is_better for m in small_bench.spec.metrics}
    for half in ("public", "private"):
        for key in METRIC_KEYS:
            ours, grey = scores["hull-sweep"][half].metrics[key], scores["grey"][half].metrics[key]
            assert (ours > grey) if higher[key] else (ours < grey), (phase, half, key, ours, grey)


def test_only_the_trivial_baselines_are_references(small_bench):
    flags = {b.name: b.reference for b in small_bench.baselines()}
    assert flags == {
        "grey": True,
        "input-mean": True,
        "nearest-view": True,
        "plane-warp": False,
        "hull-sweep": False,
    }


def test_hull_sweep_payload_is_the_same_twice(small_bench, built, tmp_path):
    sweep = next(b for b in small_bench.baselines() if b.name == "hull-sweep")
    first = sweep.make_payload(built / "public", "track1-dev", tmp_path / "a")
    second = sweep.make_payload(built / "public", "track1-dev", tmp_path / "b")
    assert isinstance(first, Payload)
    with zipfile.ZipFile(first.file) as a, zipfile.ZipFile(second.file) as b:  # the renders, not the times
        assert a.namelist() == b.namelist()
        assert all(a.read(name) == b.read(name) for name in a.namelist())


def test_hole_fill_above_the_working_size_keeps_known_pixels_and_fills_the_rest():
    from evaluator.benchmarks.spare.reproject import _fill

    image = np.zeros((600, 800, 3))
    image[:, :400] = (1.0, 0.0, 0.0)
    image[:, 400:] = (0.0, 1.0, 0.0)
    known = np.ones((600, 800), dtype=bool)
    known[100:140, 50:90] = False
    known[300:340, 700:760] = False
    filled = _fill(image=np.where(known[..., None], image, 0.5), known=known)
    np.testing.assert_allclose(filled[known], image[known])
    np.testing.assert_allclose(filled[120, 70], (1.0, 0.0, 0.0), atol=1e-6)
    np.testing.assert_allclose(filled[320, 730], (0.0, 1.0, 0.0), atol=1e-6)
