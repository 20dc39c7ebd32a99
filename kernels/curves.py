"""Space-filling-curve token orders for video grids: generalised 3-D Hilbert (Gilbert) and Hilbert."""

from __future__ import annotations

import functools

import torch


def hilbert_index(*, coords: torch.Tensor, bits: int) -> torch.Tensor:
    """Hilbert-curve index of integer points ``[P, n]`` in a cube of side ``2**bits`` (Skilling 2004)."""
    if coords.dim() != 2 or bits < 1:
        raise ValueError(f"coords must be [P, n] and bits >= 1, got {tuple(coords.shape)}, bits={bits}")
    if bool((coords < 0).any()) or bool((coords >= 2**bits).any()):
        raise ValueError(f"coords must lie in [0, {2**bits})")
    x = [coords[:, i].long().clone() for i in range(coords.shape[1])]
    n = len(x)
    q = 1 << (bits - 1)
    while q > 1:  # undo excess work: axes to transposed Hilbert form
        p = q - 1
        for i in range(n):
            hit = (x[i] & q) != 0
            t = (x[0] ^ x[i]) & p
            x0_new = torch.where(hit, x[0] ^ p, x[0] ^ t)
            if i != 0:
                x[i] = torch.where(hit, x[i], x[i] ^ t)
            x[0] = x0_new
        q >>= 1
    for i in range(1, n):  # Gray encode
        x[i] = x[i] ^ x[i - 1]
    t = torch.zeros_like(x[0])
    q = 1 << (bits - 1)
    while q > 1:
        t = torch.where((x[n - 1] & q) != 0, t ^ (q - 1), t)
        q >>= 1
    x = [xi ^ t for xi in x]
    index = torch.zeros_like(x[0])
    for b in range(bits - 1, -1, -1):
        for i in range(n):
            index = (index << 1) | ((x[i] >> b) & 1)
    return index


def hilbert_order(*, frames: int, height: int, width: int) -> torch.Tensor:
    """Permutation of frame-major (f, y, x) tokens sorted along a 3-D Hilbert curve: new[i] = old[perm[i]]."""
    return _hilbert_order_cached(frames, height, width).clone()


@functools.lru_cache(maxsize=32)
def _hilbert_order_cached(frames: int, height: int, width: int) -> torch.Tensor:
    """Computed once per grid."""
    if min(frames, height, width) < 1:
        raise ValueError(f"grid sizes must be positive, got {(frames, height, width)}")
    f, y, x = torch.meshgrid(torch.arange(frames), torch.arange(height), torch.arange(width), indexing="ij")
    coords = torch.stack([f.flatten(), y.flatten(), x.flatten()], dim=1)
    bits = max(1, int(max(frames, height, width) - 1).bit_length())
    return torch.argsort(hilbert_index(coords=coords, bits=bits), stable=True)


Vec = tuple[int, int, int]


def _unit(v: Vec) -> Vec:
    """The unit step along the (axis-aligned) vector ``v``."""
    return tuple((c > 0) - (c < 0) for c in v)  # type: ignore[return-value]


def _add(*vs: Vec) -> Vec:
    """Component-wise sum."""
    return tuple(sum(c) for c in zip(*vs, strict=True))  # type: ignore[return-value]


def _neg(v: Vec) -> Vec:
    """Component-wise negation."""
    return (-v[0], -v[1], -v[2])


def _len(v: Vec) -> int:
    """Number of cells along the axis-aligned vector ``v``."""
    return abs(v[0] + v[1] + v[2])


def _gilbert_cells(start: Vec, a: Vec, b: Vec, c: Vec, out: list[Vec]) -> None:
    """Append the cells of the cuboid spanned from ``start`` by the axis vectors ``a`` (the walk's main
    direction), ``b`` and ``c`` in generalised Hilbert order: the walk enters at ``start`` and leaves at
    the far end of ``a``, each step one unit. Cuboids are cut in two, three or five parts whose walks
    join up, halves rounded so that every part keeps an even side where it can."""
    w, h, d = _len(a), _len(b), _len(c)
    da, db, dc = _unit(a), _unit(b), _unit(c)
    for extent, step, flat in ((w, da, h == d == 1), (h, db, w == d == 1), (d, dc, w == h == 1)):
        if flat:  # a single row of cells: walk it
            out.extend(_add(start, tuple(i * s for s in step)) for i in range(extent))
            return
    a2, b2, c2 = (tuple(x // 2 for x in v) for v in (a, b, c))
    if _len(a2) % 2 and w > 2:  # prefer halves of even length
        a2 = _add(a2, da)
    if _len(b2) % 2 and h > 2:
        b2 = _add(b2, db)
    if _len(c2) % 2 and d > 2:
        c2 = _add(c2, dc)
    a_rest, b_rest, c_rest = _add(a, _neg(a2)), _add(b, _neg(b2)), _add(c, _neg(c2))
    a_back = _add(a, _neg(da))  # from the start to the last cell along a
    if 2 * w > 3 * h and 2 * w > 3 * d:  # long in a: two halves along a
        _gilbert_cells(start, a2, b, c, out)
        _gilbert_cells(_add(start, a2), a_rest, b, c, out)
    elif 3 * h > 4 * d:  # flat in c: three parts, c left whole
        _gilbert_cells(start, b2, c, a2, out)
        _gilbert_cells(_add(start, b2), a, b_rest, c, out)
        _gilbert_cells(_add(start, a_back, b2, _neg(db)), _neg(b2), c, _neg(a_rest), out)
    elif 3 * d > 4 * h:  # flat in b: three parts, b left whole
        _gilbert_cells(start, c2, a2, b, out)
        _gilbert_cells(_add(start, c2), a, b, c_rest, out)
        _gilbert_cells(_add(start, a_back, c2, _neg(dc)), _neg(c2), _neg(a_rest), b, out)
    else:  # cube-like: five parts
        _gilbert_cells(start, b2, c2, a2, out)
        _gilbert_cells(_add(start, b2), c, a2, b_rest, out)
        _gilbert_cells(_add(start, b2, _neg(db), c, _neg(dc)), a, _neg(b2), _neg(c_rest), out)
        _gilbert_cells(_add(start, a_back, b2, c, _neg(dc)), _neg(c), _neg(a_rest), b_rest, out)
        _gilbert_cells(_add(start, a_back, b2, _neg(db)), _neg(b2), c2, _neg(a_rest), out)


def gilbert_cells(*, width: int, height: int, depth: int) -> list[Vec]:
    """The (x, y, z) cells of a width x height x depth grid along the generalised Hilbert (Gilbert)
    curve, starting at the origin along the longest side (ties: width, then height)."""
    if min(width, height, depth) < 1:
        raise ValueError(f"grid sizes must be positive, got {(width, height, depth)}")
    x, y, z = (width, 0, 0), (0, height, 0), (0, 0, depth)
    if width >= height and width >= depth:
        axes = (x, y, z)
    elif height >= width and height >= depth:
        axes = (y, x, z)
    else:
        axes = (z, x, y)
    out: list[Vec] = []
    _gilbert_cells((0, 0, 0), *axes, out)
    return out


def gilbert_order(*, frames: int, height: int, width: int) -> torch.Tensor:
    """Permutation of frame-major (f, y, x) tokens along the Gilbert curve of the (x=width, y=height,
    z=frames) grid, as PSA's and BLADE's released code order video tokens: new[i] = old[perm[i]]."""
    return _gilbert_order_cached(frames, height, width).clone()


@functools.lru_cache(maxsize=32)
def _gilbert_order_cached(frames: int, height: int, width: int) -> torch.Tensor:
    """Computed once per grid."""
    cells = gilbert_cells(width=width, height=height, depth=frames)
    return torch.tensor([x + width * (y + height * z) for x, y, z in cells], dtype=torch.long)


def curve_order(*, curve: str, frames: int, height: int, width: int) -> torch.Tensor:
    """The token order of a named curve: "gilbert" (the released codes') or "hilbert" (our earlier
    power-of-two Hilbert sort, kept as a named variant)."""
    if curve == "gilbert":
        return gilbert_order(frames=frames, height=height, width=width)
    if curve == "hilbert":
        return hilbert_order(frames=frames, height=height, width=width)
    raise ValueError(f"unknown curve {curve!r}; known: 'gilbert', 'hilbert'")


def position_major_order(*, frames: int, frame_tokens: int, extra_tokens: int = 0) -> torch.Tensor:
    """Permutation from frame-major (f, p) to position-major (p, f) order; extra tokens stay at the end."""
    if min(frames, frame_tokens) < 1 or extra_tokens < 0:
        raise ValueError(
            f"bad sizes frames={frames}, frame_tokens={frame_tokens}, extra_tokens={extra_tokens}"
        )
    video = torch.arange(frames * frame_tokens).view(frames, frame_tokens).t().reshape(-1)
    tail = torch.arange(frames * frame_tokens, frames * frame_tokens + extra_tokens)
    return torch.cat([video, tail])
