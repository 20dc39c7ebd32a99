"""SpaRe-style sparse-view rendering benchmark (generated scenes, or imported SpaRe/DTU data)."""

from .benchmark import SpareBenchmark, spare_spec
from .config import SpareConfig

__all__ = ["SpareBenchmark", "SpareConfig", "spare_spec"]
