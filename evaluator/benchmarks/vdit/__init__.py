"""Video DiT sparse attention, kernel level: method configs or submitted code on hidden-seed video calls."""

from .benchmark import VditBenchmark

__all__ = ["VditBenchmark"]
