"""One sub-package per hosted benchmark, each exposing a `Benchmark` subclass."""
