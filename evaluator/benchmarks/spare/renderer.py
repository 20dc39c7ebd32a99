"""CPU ray tracer: primary hits, procedural albedo, Blinn-Phong shading and hard shadows per light."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .cameras import Camera
from .intersect import EPS, HITS, local_normal
from .scenes import Primitive, Scene, Texture

AMBIENT = 0.06
#: Per-light diffuse gain; with every light on, a lit white surface reaches about 1.
LIGHT_GAIN = 0.22
GAMMA = 1 / 2.2


@dataclass(frozen=True)
class Render:
    """Linear per-light radiance (lights x H x W x 3), ambient term (H x W x 3) and the object mask."""

    per_light: np.ndarray
    ambient: np.ndarray
    mask: np.ndarray


def texture_albedo(*, texture: Texture, p: np.ndarray) -> np.ndarray:
    """Albedo (N x 3) of a procedural texture at local points p (N x 3)."""
    f = texture.frequency
    if texture.pattern == "checker":
        mix = (np.floor(p[:, 0] * f) + np.floor(p[:, 1] * f) + np.floor(p[:, 2] * f)) % 2
    elif texture.pattern == "stripes":
        mix = (np.sin(f * 2 * (p @ np.asarray(texture.axis))) > 0).astype(np.float64)
    elif texture.pattern == "rings":
        mix = 0.5 + 0.5 * np.sin(f * 2.5 * np.linalg.norm(p, axis=1))
    elif texture.pattern == "waves":
        mix = 0.5 + 0.25 * (np.sin(f * p[:, 0] + 3 * np.sin(f * p[:, 2])) + np.sin(f * 1.3 * p[:, 1]))
    else:
        mix = np.zeros(len(p))
    a, b = np.asarray(texture.colour_a), np.asarray(texture.colour_b)
    return a[None, :] * (1 - mix[:, None]) + b[None, :] * mix[:, None]


def _to_local(prim: Primitive, o: np.ndarray, d: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Ray origins and directions in the primitive's local frame."""
    rot = np.asarray(prim.rotation)
    return (o - np.asarray(prim.centre)) @ rot, d @ rot


def bounding_radius(*, prim: Primitive) -> float:
    """Radius of a sphere about the primitive's centre that contains it."""
    size = prim.size
    if prim.kind == "sphere":
        return size[0]
    if prim.kind == "box":
        return float(np.linalg.norm(size))
    if prim.kind == "cylinder":
        return float(np.hypot(size[0], size[1]))
    return float(np.hypot(size[0] + size[1], size[1]))


def rays_near(*, prim: Primitive, o: np.ndarray, d: np.ndarray, t_min: float) -> np.ndarray:
    """Indices of the rays that meet the primitive's bounding sphere beyond t_min (culling)."""
    oc = o - np.asarray(prim.centre)
    b = np.einsum("ij,ij->i", oc, d)
    c = np.einsum("ij,ij->i", oc, oc) - (bounding_radius(prim=prim) + 1e-6) ** 2
    disc = b * b - c
    return np.nonzero((disc >= 0) & (-b + np.sqrt(np.maximum(disc, 0.0)) > t_min))[0]


def rays_trace(*, scene: Scene, o: np.ndarray, d: np.ndarray, t_min: float) -> tuple[np.ndarray, np.ndarray]:
    """Nearest hit distance and primitive index (-1 for a miss) of each ray."""
    best_t = np.full(len(o), np.inf)
    best_i = np.full(len(o), -1)
    for index, prim in enumerate(scene.primitives):
        near = rays_near(prim=prim, o=o, d=d, t_min=t_min)
        lo, ld = _to_local(prim, o[near], d[near])
        t = HITS[prim.kind](lo, ld, prim.size, t_min)
        closer = t < best_t[near]
        best_t[near[closer]] = t[closer]
        best_i[near[closer]] = index
    return best_t, best_i


def rays_blocked(*, scene: Scene, o: np.ndarray, d: np.ndarray, limit: np.ndarray) -> np.ndarray:
    """Whether each ray meets an object before distance `limit` (shadow test).

    The platform is left out: every lit point and every light lies on or above its top face, so it
    can never stand between them.
    """
    blocked = np.zeros(len(o), dtype=bool)
    for prim in scene.primitives[:-1]:
        pending = np.nonzero(~blocked)[0]
        pending = pending[rays_near(prim=prim, o=o[pending], d=d[pending], t_min=1e-4)]
        if pending.size == 0:
            continue
        lo, ld = _to_local(prim, o[pending], d[pending])
        t = HITS[prim.kind](lo, ld, prim.size, 1e-4)
        blocked[pending[t < limit[pending]]] = True
    return blocked


def camera_rays(*, camera: Camera, width: int, height: int) -> tuple[np.ndarray, np.ndarray]:
    """World-space origins and unit directions through every pixel centre (row-major)."""
    u, v = np.meshgrid(np.arange(width) + 0.5, np.arange(height) + 0.5)
    pixels = np.stack([u.ravel(), v.ravel(), np.ones(u.size)], axis=1)
    d = pixels @ np.linalg.inv(camera.K).T @ camera.R
    d /= np.sqrt(np.einsum("ij,ij->i", d, d))[:, None]
    return np.broadcast_to(camera.centre, d.shape).copy(), d


def view_render(*, scene: Scene, camera: Camera, width: int, height: int) -> Render:
    """Trace one view: per-light radiance with hard shadows, ambient term and the object mask."""
    o, d = camera_rays(camera=camera, width=width, height=height)
    t, index = rays_trace(scene=scene, o=o, d=d, t_min=EPS)
    hit = np.nonzero(index >= 0)[0]
    n_pix, n_lights = width * height, len(scene.lights)
    per_light = np.zeros((n_lights, n_pix, 3))
    ambient = np.zeros((n_pix, 3))
    points = o[hit] + t[hit, None] * d[hit]
    normals = np.zeros((hit.size, 3))
    albedo = np.zeros((hit.size, 3))
    specular = np.zeros(hit.size)
    shininess = np.ones(hit.size)
    for k, prim in enumerate(scene.primitives):
        sel = np.nonzero(index[hit] == k)[0]
        if sel.size == 0:
            continue
        rot = np.asarray(prim.rotation)
        local = (points[sel] - np.asarray(prim.centre)) @ rot
        normals[sel] = local_normal(prim.kind, local, prim.size) @ rot.T
        albedo[sel] = texture_albedo(texture=prim.texture, p=local)
        specular[sel], shininess[sel] = prim.specular, prim.shininess
    facing = np.einsum("ij,ij->i", normals, d[hit]) > 0
    normals[facing] *= -1
    ambient[hit] = AMBIENT * albedo
    origin = points + 2e-4 * normals
    shiny = specular > 0
    compact = np.zeros((n_lights, hit.size, 3))
    for j, light in enumerate(scene.lights):
        to_light = np.asarray(light.position) - origin
        dist = np.sqrt(np.einsum("ij,ij->i", to_light, to_light))
        l_dir = to_light / dist[:, None]
        cos = np.einsum("ij,ij->i", normals, l_dir)
        lit = np.nonzero(cos > 0)[0]
        if lit.size == 0:
            continue
        lit = lit[~rays_blocked(scene=scene, o=origin[lit], d=l_dir[lit], limit=dist[lit])]
        gain = LIGHT_GAIN * light.intensity
        compact[j, lit] = (gain * cos[lit])[:, None] * albedo[lit]
        glossy = lit[shiny[lit]]  # Blinn-Phong highlight, only where the material has one
        half = l_dir[glossy] - d[hit[glossy]]
        half /= np.maximum(np.sqrt(np.einsum("ij,ij->i", half, half)), 1e-12)[:, None]
        cos_h = np.maximum(np.einsum("ij,ij->i", normals[glossy], half), 0)
        compact[j, glossy] += (gain * specular[glossy] * cos_h ** shininess[glossy])[:, None]
    per_light[:, hit] = compact
    mask = np.zeros(n_pix, dtype=bool)
    mask[hit] = index[hit] < scene.object_count  # objects come first, the platform last
    return Render(
        per_light=per_light.reshape(n_lights, height, width, 3),
        ambient=ambient.reshape(height, width, 3),
        mask=mask.reshape(height, width),
    )


def render_compose(*, render: Render, weights: tuple[float, ...]) -> np.ndarray:
    """8-bit sRGB-like image (H x W x 3 uint8) of a lighting condition given per-light weights."""
    linear = render.ambient.copy()
    for weight, radiance in zip(weights, render.per_light, strict=True):
        if weight:
            linear += weight * radiance
    encoded = np.clip(linear, 0.0, 1.0) ** GAMMA
    return np.round(encoded * 255.0).astype(np.uint8)
