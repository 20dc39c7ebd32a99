"""Renderer: analytic hits against brute-force ray sampling, masks, shadows and composition."""

from __future__ import annotations

import numpy as np
import pytest

from evaluator.benchmarks.spare.cameras import rig_cameras
from evaluator.benchmarks.spare.intersect import HITS
from evaluator.benchmarks.spare.renderer import camera_rays, render_compose, view_render
from evaluator.benchmarks.spare.scenes import Light, Primitive, Scene, Texture, platform_primitive

INSIDE = {
    "sphere": lambda p, s: np.linalg.norm(p, axis=-1) <= s[0],
    "box": lambda p, s: np.all(np.abs(p) <= np.asarray(s), axis=-1),
    "cylinder": lambda p, s: (np.hypot(p[..., 0], p[..., 1]) <= s[0]) & (np.abs(p[..., 2]) <= s[1]),
    "torus": lambda p, s: np.hypot(np.hypot(p[..., 0], p[..., 1]) - s[0], p[..., 2]) <= s[1],
}
SIZES = {"sphere": (0.5,), "box": (0.4, 0.2, 0.3), "cylinder": (0.3, 0.4), "torus": (0.4, 0.12)}


@pytest.mark.parametrize("kind", sorted(HITS))
def test_hit_matches_first_inside_sample_along_the_ray(kind):
    rng = np.random.default_rng(1)
    n = 200
    o = rng.normal(size=(n, 3))
    o = 2.5 * o / np.linalg.norm(o, axis=1, keepdims=True)
    aim = rng.uniform(-0.5, 0.5, size=(n, 3))
    d = aim - o
    d /= np.linalg.norm(d, axis=1, keepdims=True)
    t = HITS[kind](o, d, SIZES[kind], 1e-6)
    steps = np.linspace(0.0, 5.0, 8001)
    inside = INSIDE[kind](o[:, None, :] + steps[None, :, None] * d[:, None, :], SIZES[kind])
    first = np.where(inside.any(axis=1), steps[np.argmax(inside, axis=1)], np.inf)
    hit_ref = np.isfinite(first)
    agree = np.isfinite(t) == hit_ref
    assert agree.mean() > 0.99  # grazing rays may differ by a sampling step
    both = np.isfinite(t) & hit_ref
    assert both.sum() > 50
    assert np.median(np.abs(t[both] - first[both])) < 1e-3
    assert np.quantile(np.abs(t[both] - first[both]), 0.98) < 5e-3


def _plain(colour):
    return Texture(pattern="plain", colour_a=colour, colour_b=colour, frequency=1.0, axis=(0.0, 0.0, 1.0))


def _sphere_scene(*, light=(0.0, 0.0, 4.0)):
    sphere = Primitive(
        kind="sphere",
        centre=(0.0, 0.0, 0.3),
        rotation=((1, 0, 0), (0, 1, 0), (0, 0, 1)),
        size=(0.3,),
        texture=_plain((0.8, 0.2, 0.2)),
        specular=0.0,
        shininess=1.0,
    )
    return Scene(name="s", primitives=(sphere, platform_primitive()), lights=(Light(light, 1.0),))


def test_view_render_mask_is_the_analytic_sphere_silhouette():
    cam = rig_cameras(cameras=64, width=80, height=60)[20]
    render = view_render(scene=_sphere_scene(), camera=cam, width=80, height=60)
    o, d = camera_rays(camera=cam, width=80, height=60)
    to_centre = np.array([0.0, 0.0, 0.3]) - o
    along = np.einsum("ij,ij->i", to_centre, d)
    dist = np.linalg.norm(to_centre - along[:, None] * d, axis=1)
    reference = (dist < 0.3).reshape(60, 80)
    assert render.mask.sum() > 50
    assert (render.mask != reference).sum() <= 2


def test_view_render_platform_below_sphere_is_in_its_shadow():
    cam = rig_cameras(cameras=64, width=80, height=60)[40]
    scene = _sphere_scene(light=(0.0, 0.0, 4.0))
    render = view_render(scene=scene, camera=cam, width=80, height=60)
    image = render_compose(render=render, weights=(1.0,)).astype(float)

    def pixel(point):
        p = cam.P @ np.array([*point, 1.0])
        return image[int(p[1] / p[2]), int(p[0] / p[2])]

    under, away = pixel((0.2, 0.0, 0.0)), pixel((0.9, 0.6, 0.0))  # shadow radius 0.3 around the origin
    assert away.mean() > under.mean() + 60


def test_render_compose_is_ambient_plus_weighted_lights_in_8_bit():
    cam = rig_cameras(cameras=64, width=40, height=30)[5]
    render = view_render(scene=_sphere_scene(), camera=cam, width=40, height=30)
    off = render_compose(render=render, weights=(0.0,))
    on = render_compose(render=render, weights=(1.0,))
    assert off.dtype == np.uint8 and off.shape == (30, 40, 3)
    assert (on.astype(int) >= off.astype(int)).all() and (on > off).any()
    np.testing.assert_array_equal(off[~render.mask & (render.ambient.sum(axis=2) == 0)], 0)
