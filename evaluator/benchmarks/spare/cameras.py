"""Pinhole cameras (P = K[R|t], OpenCV axes), the spherical-cap rig and DTU-style pos_{i+1:03d}.txt files."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import scipy.linalg

#: Where the rig cameras look (just above the platform centre), in world units, z up.
RIG_TARGET = (0.0, 0.0, 0.3)
RIG_RADIUS = 3.2
RIG_ELEVATIONS_DEG = (20.0, 33.0, 46.0, 59.0)
RIG_AZIMUTH_SPAN_DEG = 220.0
#: Horizontal field of view of every rig camera.
RIG_HFOV_DEG = 42.0


@dataclass(frozen=True)
class Camera:
    """One calibrated view: intrinsics K (3x3), rotation R and translation t (world -> camera)."""

    K: np.ndarray
    R: np.ndarray
    t: np.ndarray

    @property
    def P(self) -> np.ndarray:
        """The 3x4 projection matrix K[R|t]."""
        return self.K @ np.hstack([self.R, self.t.reshape(3, 1)])

    @property
    def centre(self) -> np.ndarray:
        """Camera centre in world coordinates, -R^T t."""
        return -self.R.T @ self.t


def camera_look_at(*, centre: np.ndarray, target: np.ndarray, K: np.ndarray) -> Camera:
    """A camera at `centre` looking at `target` with world z up (x right, y down, z forward)."""
    forward = target - centre
    forward = forward / np.linalg.norm(forward)
    right = np.cross(forward, np.array([0.0, 0.0, 1.0]))
    right = right / np.linalg.norm(right)
    down = np.cross(forward, right)
    R = np.stack([right, down, forward])
    return Camera(K=K, R=R, t=-R @ centre)


def intrinsics_for(*, width: int, height: int) -> np.ndarray:
    """Intrinsics of the rig at a resolution: square pixels, principal point at the centre."""
    focal = 0.5 * width / np.tan(np.radians(RIG_HFOV_DEG) / 2)
    return np.array([[focal, 0.0, width / 2], [0.0, focal, height / 2], [0.0, 0.0, 1.0]])


def rig_grid(*, cameras: int) -> list[tuple[int, int]]:
    """(ring, slot) of each camera index: rings of equal size, visited in snake order like DTU."""
    per_ring = cameras // len(RIG_ELEVATIONS_DEG)
    grid = []
    for ring in range(len(RIG_ELEVATIONS_DEG)):
        slots = range(per_ring) if ring % 2 == 0 else range(per_ring - 1, -1, -1)
        grid.extend((ring, slot) for slot in slots)
    return grid


def rig_cameras(*, cameras: int, width: int, height: int) -> list[Camera]:
    """The spherical-cap rig: rings of cameras over an azimuth arc, all looking at the objects."""
    K = intrinsics_for(width=width, height=height)
    per_ring = cameras // len(RIG_ELEVATIONS_DEG)
    target = np.array(RIG_TARGET)
    result = []
    for ring, slot in rig_grid(cameras=cameras):
        elevation = np.radians(RIG_ELEVATIONS_DEG[ring])
        span = np.radians(RIG_AZIMUTH_SPAN_DEG)
        azimuth = -np.pi / 2 - span / 2 + span * slot / (per_ring - 1)
        offset = RIG_RADIUS * np.array(
            [np.cos(elevation) * np.cos(azimuth), np.cos(elevation) * np.sin(azimuth), np.sin(elevation)]
        )
        result.append(camera_look_at(centre=target + offset, target=target, K=K))
    return result


def rig_adjacent(*, cameras: int) -> list[set[int]]:
    """Per camera, the indices of its grid neighbours (same ring +-1 slot, or next ring same slot)."""
    grid = rig_grid(cameras=cameras)
    where = {cell: index for index, cell in enumerate(grid)}
    result = []
    for ring, slot in grid:
        cells = [(ring, slot - 1), (ring, slot + 1), (ring - 1, slot), (ring + 1, slot)]
        result.append({where[cell] for cell in cells if cell in where})
    return result


def camera_from_projection(*, P: np.ndarray) -> Camera:
    """Decompose P = K[R|t] (RQ decomposition; K with positive diagonal, det R = +1, K[2,2] = 1)."""
    P = np.asarray(P, dtype=np.float64)
    if P.shape != (3, 4) or not np.all(np.isfinite(P)):
        raise ValueError(f"projection matrix must be a finite 3x4 array, got shape {P.shape}")
    if abs(np.linalg.det(P[:, :3])) < 1e-12:
        raise ValueError("projection matrix has a singular left 3x3 block")
    if np.linalg.det(P[:, :3]) < 0:
        P = -P
    K, R = scipy.linalg.rq(P[:, :3])
    signs = np.diag(np.sign(np.diag(K)))
    K, R = K @ signs, signs @ R
    t = np.linalg.solve(K, P[:, 3])
    return Camera(K=K / K[2, 2], R=R, t=t)


def projection_write(*, path: Path, P: np.ndarray) -> None:
    """Write a 3x4 projection matrix as three text rows (DTU's pos_{i+1:03d}.txt format)."""
    rows = [" ".join(f"{value:.10g}" for value in row) for row in np.asarray(P)]
    path.write_text("\n".join(rows) + "\n", encoding="ascii")


def projection_read(*, path: Path) -> np.ndarray:
    """Read a DTU-style pos_{i+1:03d}.txt file; ValueError names the file when it is not 3x4 numbers."""
    try:
        values = [float(token) for token in path.read_text(encoding="ascii").split()]
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise ValueError(f"{path.name}: unreadable projection matrix ({exc})") from None
    if len(values) != 12:
        raise ValueError(f"{path.name}: expected 12 numbers (3x4 matrix), found {len(values)}")
    return np.array(values).reshape(3, 4)


def cameras_write(*, folder: Path, cameras: list[Camera], width: int, height: int) -> None:
    """Write pos_{i+1:03d}.txt for every camera and cameras.json with K, R, t (and P) per view."""
    folder.mkdir(parents=True, exist_ok=True)
    views = []
    for index, camera in enumerate(cameras):
        projection_write(path=folder / f"pos_{index + 1:03d}.txt", P=camera.P)
        views.append({"index": index, "K": camera.K.tolist(), "R": camera.R.tolist(), "t": camera.t.tolist()})
    document = {
        "width": width,
        "height": height,
        "convention": "x_cam = R x_world + t; p = K x_cam",
        "views": views,
    }
    (folder / "cameras.json").write_text(json.dumps(document, indent=1), encoding="utf-8")


def cameras_read(*, folder: Path) -> list[Camera]:
    """Read the cameras of one scene from its cameras.json."""
    document = json.loads((folder / "cameras.json").read_text(encoding="utf-8"))
    return [
        Camera(K=np.array(view["K"]), R=np.array(view["R"]), t=np.array(view["t"]))
        for view in document["views"]
    ]
