"""Cameras: rig geometry, P = K[R|t] decomposition and DTU-style pos files."""

from __future__ import annotations

import numpy as np
import pytest

from evaluator.benchmarks.spare.cameras import (
    RIG_TARGET,
    camera_from_projection,
    projection_read,
    projection_write,
    rig_adjacent,
    rig_cameras,
)


def test_rig_cameras_look_at_the_target_through_the_principal_point():
    cams = rig_cameras(cameras=64, width=200, height=150)
    assert len(cams) == 64
    for cam in cams:
        p = cam.P @ np.array([*RIG_TARGET, 1.0])
        assert p[2] > 0
        np.testing.assert_allclose(p[:2] / p[2], [100.0, 75.0], atol=1e-9)
        np.testing.assert_allclose(cam.R @ cam.R.T, np.eye(3), atol=1e-12)
        assert cam.centre[2] > 0.5


def test_rig_adjacent_is_symmetric_grid_neighbourhood():
    adjacent = rig_adjacent(cameras=64)
    for i, neighbours in enumerate(adjacent):
        assert 2 <= len(neighbours) <= 4
        assert i not in neighbours
        assert all(i in adjacent[j] for j in neighbours)
    # snake order: consecutive indices are neighbours
    assert all(i + 1 in adjacent[i] for i in range(63))


def test_camera_from_projection_recovers_k_r_t_up_to_scale():
    cam = rig_cameras(cameras=64, width=1600, height=1200)[17]
    back = camera_from_projection(P=-3.5 * cam.P)
    np.testing.assert_allclose(back.K, cam.K, atol=1e-6)
    np.testing.assert_allclose(back.R, cam.R, atol=1e-9)
    np.testing.assert_allclose(back.t, cam.t, atol=1e-9)


def test_projection_write_read_roundtrip(tmp_path):
    cam = rig_cameras(cameras=16, width=64, height=48)[3]
    projection_write(path=tmp_path / "pos_004.txt", P=cam.P)
    np.testing.assert_allclose(projection_read(path=tmp_path / "pos_004.txt"), cam.P, rtol=1e-9)


def test_projection_read_names_the_file_of_a_bad_matrix(tmp_path):
    (tmp_path / "pos_001.txt").write_text("1 2 3\n4 5 6\n", encoding="ascii")
    with pytest.raises(ValueError, match="pos_001.txt.*12 numbers"):
        projection_read(path=tmp_path / "pos_001.txt")
