"""Specs for the generalised 3-D Hilbert (Gilbert) token order used by PSA and BLADE."""

import itertools

import pytest
import torch

from kernels.curves import curve_order, gilbert_cells, gilbert_order, hilbert_order


def _steps(cells):
    """Manhattan length of each step between consecutive cells."""
    pairs = zip(cells, cells[1:], strict=False)
    return [sum(abs(p - q) for p, q in zip(a, b, strict=True)) for a, b in pairs]


GRIDS = [*itertools.product((1, 2, 3, 5, 6), repeat=3), (52, 30, 21), (45, 30, 13), (7, 4, 9)]


@pytest.mark.parametrize("size", GRIDS, ids=str)
def test_gilbert_cells_visit_every_cell_of_any_grid_once(size):
    w, h, d = size
    cells = gilbert_cells(width=w, height=h, depth=d)
    assert len(cells) == w * h * d
    assert set(cells) == set(itertools.product(range(w), range(h), range(d)))
    assert cells[0] == (0, 0, 0)


EVEN = [(2, 2, 2), (4, 6, 2), (8, 4, 6), (52, 30, 20), (10, 6, 14), (32, 32, 8)]


@pytest.mark.parametrize("size", EVEN, ids=str)
def test_gilbert_cells_move_by_unit_steps_on_even_grids(size):
    """Like the released curve, odd sides may force a few longer (diagonal) steps: not tested there."""
    w, h, d = size
    assert set(_steps(gilbert_cells(width=w, height=h, depth=d))) == {1}


def test_gilbert_cells_walk_a_single_row_straight():
    assert gilbert_cells(width=1, height=4, depth=1) == [(0, 0, 0), (0, 1, 0), (0, 2, 0), (0, 3, 0)]


def test_gilbert_order_is_a_permutation_of_frame_major_tokens():
    perm = gilbert_order(frames=21, height=6, width=10)
    assert torch.equal(torch.sort(perm).values, torch.arange(21 * 6 * 10))
    x, y, z = gilbert_cells(width=10, height=6, depth=21)[5]
    assert int(perm[5]) == z * 60 + y * 10 + x


def test_curve_order_names_gilbert_and_the_earlier_hilbert_variant():
    grid = {"frames": 4, "height": 4, "width": 6}
    assert torch.equal(curve_order(curve="gilbert", **grid), gilbert_order(**grid))
    assert torch.equal(curve_order(curve="hilbert", **grid), hilbert_order(**grid))
    with pytest.raises(ValueError, match="'zorder'"):
        curve_order(curve="zorder", frames=1, height=1, width=1)


def test_gilbert_cells_refuse_an_empty_grid():
    with pytest.raises(ValueError, match="positive"):
        gilbert_cells(width=0, height=2, depth=2)
