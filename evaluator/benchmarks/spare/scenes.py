"""Procedural scenes: 1-4 textured primitives on a white platform, lit by point lights."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

KINDS = ("sphere", "box", "cylinder", "torus")
PATTERNS = ("checker", "stripes", "rings", "waves", "plain")
#: Half side of the square white platform (its top face is the plane z = 0).
PLATFORM_HALF = 1.35
PLATFORM_THICKNESS = 0.12
#: Objects are placed inside this radius of the platform centre.
PLACEMENT_RADIUS = 0.95


@dataclass(frozen=True)
class Texture:
    """Procedural solid albedo: two colours mixed by a pattern of the object's local coordinates."""

    pattern: str
    colour_a: tuple[float, float, float]
    colour_b: tuple[float, float, float]
    frequency: float
    axis: tuple[float, float, float]


@dataclass(frozen=True)
class Primitive:
    """A shape in its local frame placed by (rotation: local -> world, centre), with a material."""

    kind: str
    centre: tuple[float, float, float]
    rotation: tuple[tuple[float, float, float], ...]
    size: tuple[float, ...]
    texture: Texture
    specular: float
    shininess: float


@dataclass(frozen=True)
class Light:
    """A white point light."""

    position: tuple[float, float, float]
    intensity: float


@dataclass(frozen=True)
class Scene:
    """Objects (the platform last) and lights of one scene."""

    name: str
    primitives: tuple[Primitive, ...]
    lights: tuple[Light, ...]

    @property
    def object_count(self) -> int:
        """Number of objects (every primitive but the platform)."""
        return len(self.primitives) - 1


def _rotation(*, yaw: float, lie: bool) -> tuple[tuple[float, float, float], ...]:
    """Rotation by `yaw` about z, after laying the local z axis along world x when `lie`."""
    cz, sz = np.cos(yaw), np.sin(yaw)
    yaw_m = np.array([[cz, -sz, 0.0], [sz, cz, 0.0], [0.0, 0.0, 1.0]])
    lie_m = np.array([[0.0, 0.0, 1.0], [0.0, 1.0, 0.0], [-1.0, 0.0, 0.0]]) if lie else np.eye(3)
    return tuple(tuple(float(v) for v in row) for row in yaw_m @ lie_m)


def _texture(rng: np.random.Generator) -> Texture:
    """A random two-colour procedural texture."""
    colour_a = rng.uniform(0.1, 0.95, size=3)
    colour_b = np.clip(1.0 - colour_a + rng.uniform(-0.2, 0.2, size=3), 0.03, 0.97) * rng.uniform(0.4, 1.0)
    axis = rng.normal(size=3)
    return Texture(
        pattern=str(rng.choice(PATTERNS, p=[0.25, 0.25, 0.2, 0.2, 0.1])),
        colour_a=tuple(float(v) for v in colour_a),
        colour_b=tuple(float(v) for v in colour_b),
        frequency=float(rng.uniform(5.0, 14.0)),
        axis=tuple(float(v) for v in axis / np.linalg.norm(axis)),
    )


def _shape(rng: np.random.Generator, kind: str) -> tuple[tuple[float, ...], float, bool, float]:
    """Size parameters, height of the centre above the platform, lying flag and footprint radius."""
    if kind == "sphere":
        radius = rng.uniform(0.18, 0.38)
        return (radius,), radius, False, radius
    if kind == "box":
        half = rng.uniform(0.12, 0.3, size=3)
        return tuple(float(v) for v in half), float(half[2]), False, float(np.hypot(half[0], half[1]))
    if kind == "cylinder":
        radius, half_height = rng.uniform(0.1, 0.25), rng.uniform(0.12, 0.35)
        if rng.random() < 0.3:
            return (radius, half_height), radius, True, float(np.hypot(radius, half_height))
        return (radius, half_height), half_height, False, radius
    major, minor = rng.uniform(0.18, 0.3), rng.uniform(0.05, 0.1)
    if rng.random() < 0.4:
        return (major, minor), major + minor, True, major + minor
    return (major, minor), minor, False, major + minor


def platform_primitive() -> Primitive:
    """The white platform: a flat box whose top face is z = 0."""
    white = (0.86, 0.86, 0.84)
    return Primitive(
        kind="box",
        centre=(0.0, 0.0, -PLATFORM_THICKNESS / 2),
        rotation=_rotation(yaw=0.0, lie=False),
        size=(PLATFORM_HALF, PLATFORM_HALF, PLATFORM_THICKNESS / 2),
        texture=Texture(pattern="plain", colour_a=white, colour_b=white, frequency=1.0, axis=(0.0, 0.0, 1.0)),
        specular=0.0,
        shininess=1.0,
    )


def scene_lights(*, rng: np.random.Generator, count: int) -> tuple[Light, ...]:
    """Point lights spread over the upper hemisphere on the camera side."""
    lights = []
    for index in range(count):
        azimuth = -np.pi / 2 + np.radians(200.0) * (index / max(count - 1, 1) - 0.5) + rng.normal(0, 0.1)
        elevation = np.radians(rng.uniform(35.0, 70.0))
        distance = rng.uniform(3.0, 4.0)
        position = distance * np.array(
            [np.cos(elevation) * np.cos(azimuth), np.cos(elevation) * np.sin(azimuth), np.sin(elevation)]
        )
        lights.append(
            Light(position=tuple(float(v) for v in position), intensity=float(rng.uniform(0.9, 1.1)))
        )
    return tuple(lights)


def scene_sample(*, name: str, rng: np.random.Generator, lights: int) -> Scene:
    """Sample 1-4 non-overlapping textured primitives resting on the platform, and the lights."""
    count = int(rng.integers(1, 5))
    placed: list[tuple[np.ndarray, float]] = []
    primitives = []
    for _ in range(200):
        if len(primitives) == count:
            break
        kind = str(rng.choice(KINDS))
        size, height, lie, footprint = _shape(rng, kind)
        position = rng.uniform(-PLACEMENT_RADIUS, PLACEMENT_RADIUS, size=2)
        if np.linalg.norm(position) + footprint > PLACEMENT_RADIUS + 0.2:
            continue
        if any(np.linalg.norm(position - other) < footprint + radius + 0.05 for other, radius in placed):
            continue
        placed.append((position, footprint))
        primitives.append(
            Primitive(
                kind=kind,
                centre=(float(position[0]), float(position[1]), float(height)),
                rotation=_rotation(yaw=float(rng.uniform(0, 2 * np.pi)), lie=lie),
                size=size,
                texture=_texture(rng),
                specular=float(rng.uniform(0.0, 0.6)),
                shininess=float(rng.uniform(8.0, 64.0)),
            )
        )
    primitives.append(platform_primitive())
    return Scene(name=name, primitives=tuple(primitives), lights=scene_lights(rng=rng, count=lights))


def condition_lights(*, condition: int, lights: int, all_on: int) -> tuple[float, ...]:
    """Per-light on/off weights of a lighting condition: all lights for `all_on`, else a rotating pair."""
    if condition == all_on:
        return tuple(1.0 for _ in range(lights))
    shift = condition if condition < all_on else condition - 1
    on = {shift % lights, (shift + 1) % lights}
    return tuple(1.0 if index in on else 0.0 for index in range(lights))
