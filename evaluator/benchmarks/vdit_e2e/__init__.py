"""vdit-e2e: sparse attention methods scored end to end on the sampling of our own small video DiT."""

from .benchmark import VditE2eBenchmark

__all__ = ["VditE2eBenchmark"]
