"""Pure-Python scoring: the benchmark registry, one sub-package per benchmark, metrics (no Django)."""
