"""Plane homography and warp of the plane-warp baseline, against direct projection of plane points."""

from __future__ import annotations

import numpy as np

from evaluator.benchmarks.spare.cameras import rig_cameras
from evaluator.benchmarks.spare.warp import plane_from_cameras, plane_homography, plane_warp


def test_plane_homography_maps_projections_of_plane_points():
    cams = rig_cameras(cameras=64, width=200, height=150)
    src, dst = cams[3], cams[40]
    plane = (0.0, 0.0, 1.0, 0.0)
    rng = np.random.default_rng(0)
    points = np.c_[rng.uniform(-1, 1, size=(50, 2)), np.zeros(50), np.ones(50)]
    p_dst, p_src = (dst.P @ points.T), (src.P @ points.T)
    mapped = plane_homography(src=src, dst=dst, plane=plane) @ (p_dst / p_dst[2])
    np.testing.assert_allclose(mapped[:2] / mapped[2], p_src[:2] / p_src[2], atol=1e-8)


def test_plane_warp_onto_the_same_camera_is_identity_and_black_off_the_plane():
    cam = rig_cameras(cameras=64, width=40, height=30)[10]
    image = np.random.default_rng(1).uniform(size=(30, 40, 3))
    out = plane_warp(image=image, src=cam, dst=cam, plane=(0.0, 0.0, 1.0, 0.0), width=40, height=30)
    seen = out.sum(axis=2) > 0
    np.testing.assert_allclose(out[seen], image[seen], atol=1e-9)
    assert seen.all()  # this camera looks down: every pixel ray meets the plane
    above = plane_warp(image=image, src=cam, dst=cam, plane=(0.0, 0.0, 1.0, -10.0), width=40, height=30)
    assert not above.any()  # a plane above the camera is never seen


def test_plane_from_cameras_passes_through_the_common_look_at_point():
    cams = rig_cameras(cameras=64, width=40, height=30)
    a, b, c, d = plane_from_cameras(cameras=cams)
    assert abs(a * 0.0 + b * 0.0 + c * 0.3 + d) < 1e-9
    assert c < 0 or c > 0
