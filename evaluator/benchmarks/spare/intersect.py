"""Ray/primitive intersection in a primitive's local frame (vectorised numpy, float64)."""

from __future__ import annotations

import numpy as np

EPS = 1e-6
TORUS_STEPS = 72


def _safe(d: np.ndarray) -> np.ndarray:
    """Replace near-zero direction components so slab divisions stay finite."""
    return np.where(np.abs(d) < 1e-12, 1e-12, d)


def sphere_hit(o: np.ndarray, d: np.ndarray, size: tuple[float, ...], t_min: float) -> np.ndarray:
    """Nearest t > t_min of rays o + t d with the sphere of radius size[0] at the origin (inf if none)."""
    b = np.einsum("ij,ij->i", o, d)
    c = np.einsum("ij,ij->i", o, o) - size[0] ** 2
    disc = b * b - c
    root = np.sqrt(np.maximum(disc, 0.0))
    near, far = -b - root, -b + root
    t = np.where(near > t_min, near, np.where(far > t_min, far, np.inf))
    return np.where(disc >= 0, t, np.inf)


def _max3(a: np.ndarray) -> np.ndarray:
    """Row-wise maximum of an N x 3 array (faster than a reduction over the short axis)."""
    return np.maximum(np.maximum(a[:, 0], a[:, 1]), a[:, 2])


def _min3(a: np.ndarray) -> np.ndarray:
    """Row-wise minimum of an N x 3 array."""
    return np.minimum(np.minimum(a[:, 0], a[:, 1]), a[:, 2])


def box_hit(o: np.ndarray, d: np.ndarray, size: tuple[float, ...], t_min: float) -> np.ndarray:
    """Nearest t > t_min with the axis-aligned box of half extents size (inf if none)."""
    half = np.asarray(size)
    inv = 1.0 / _safe(d)
    t1, t2 = (-half - o) * inv, (half - o) * inv
    near = _max3(np.minimum(t1, t2))
    far = _min3(np.maximum(t1, t2))
    t = np.where(near > t_min, near, far)
    return np.where((far >= near) & (t > t_min), t, np.inf)


def cylinder_hit(o: np.ndarray, d: np.ndarray, size: tuple[float, ...], t_min: float) -> np.ndarray:
    """Nearest t > t_min with the capped cylinder (radius size[0], half height size[1], axis z)."""
    radius, half = size
    a = d[:, 0] ** 2 + d[:, 1] ** 2
    b = o[:, 0] * d[:, 0] + o[:, 1] * d[:, 1]
    c = o[:, 0] ** 2 + o[:, 1] ** 2 - radius**2
    disc = b * b - a * c
    root = np.sqrt(np.maximum(disc, 0.0))
    a_safe = np.where(a < 1e-12, 1e-12, a)
    best = np.full(len(o), np.inf)
    for side in ((-b - root) / a_safe, (-b + root) / a_safe):
        z = o[:, 2] + side * d[:, 2]
        ok = (disc >= 0) & (a >= 1e-12) & (side > t_min) & (np.abs(z) <= half)
        best = np.where(ok & (side < best), side, best)
    dz = _safe(d[:, 2])
    for cap in (-half, half):
        tc = (cap - o[:, 2]) / dz
        x, y = o[:, 0] + tc * d[:, 0], o[:, 1] + tc * d[:, 1]
        ok = (tc > t_min) & (x * x + y * y <= radius**2)
        best = np.where(ok & (tc < best), tc, best)
    return best


def torus_sdf(p: np.ndarray, size: tuple[float, ...]) -> np.ndarray:
    """Signed distance to the torus (major radius size[0], minor size[1], axis z)."""
    major, minor = size
    ring = np.hypot(p[:, 0], p[:, 1]) - major
    return np.hypot(ring, p[:, 2]) - minor


def torus_hit(o: np.ndarray, d: np.ndarray, size: tuple[float, ...], t_min: float) -> np.ndarray:
    """Nearest t > t_min with the torus, by sphere tracing inside its bounding box (inf if none)."""
    major, minor = size
    bound = (major + minor, major + minor, minor)
    inv = 1.0 / _safe(d)
    t1, t2 = (-np.asarray(bound) - o) * inv, (np.asarray(bound) - o) * inv
    near = np.maximum(_max3(np.minimum(t1, t2)), t_min)
    far = _min3(np.maximum(t1, t2))
    result = np.full(len(o), np.inf)
    active = np.nonzero(far > near)[0]
    if active.size == 0:
        return result
    t = near[active] + 1e-5
    limit = far[active]
    ao, ad = o[active], d[active]
    # A ray leaving the surface (shadow rays) first marches out of the thin shell around it.
    start = np.abs(torus_sdf(ao + t[:, None] * ad, size)) < 1e-4
    t = np.where(start, t + 4e-4, t)
    done = np.zeros(active.size, dtype=bool)
    for _ in range(TORUS_STEPS):
        live = np.nonzero(~done)[0]
        if live.size == 0:
            break
        dist = torus_sdf(ao[live] + t[live, None] * ad[live], size)
        hit = dist < 1e-5
        result[active[live[hit]]] = t[live[hit]]
        t[live] += np.maximum(dist, 0.0)
        done[live[hit | (t[live] > limit[live])]] = True
    return result


def local_normal(kind: str, p: np.ndarray, size: tuple[float, ...]) -> np.ndarray:
    """Outward unit normals at local surface points p of a primitive of `kind`."""
    if kind == "sphere":
        n = p.copy()
    elif kind == "box":
        ratio = np.abs(p) / np.asarray(size)
        axis = np.argmax(ratio, axis=1)
        n = np.zeros_like(p)
        n[np.arange(len(p)), axis] = np.sign(p[np.arange(len(p)), axis])
    elif kind == "cylinder":
        radius, half = size
        cap = np.abs(np.abs(p[:, 2]) - half) < np.abs(np.hypot(p[:, 0], p[:, 1]) - radius)
        n = np.where(
            cap[:, None],
            np.stack([0 * p[:, 0], 0 * p[:, 0], np.sign(p[:, 2])], axis=1),
            np.stack([p[:, 0], p[:, 1], 0 * p[:, 0]], axis=1),
        )
    elif kind == "torus":
        ring = np.hypot(p[:, 0], p[:, 1])
        scale = size[0] / np.maximum(ring, 1e-9)
        n = np.stack([p[:, 0] * (1 - scale), p[:, 1] * (1 - scale), p[:, 2]], axis=1)
    else:
        raise ValueError(f"unknown primitive kind {kind!r}")
    return n / np.maximum(np.sqrt(np.einsum("ij,ij->i", n, n)), 1e-12)[:, None]


HITS = {"sphere": sphere_hit, "box": box_hit, "cylinder": cylinder_hit, "torus": torus_hit}
