"""What the attention benchmarks' JSON configs share: an object with a "method"; "dense" takes no other."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from evaluator.contract import Problem

DENSE = "dense"


def config_method(*, config: Any) -> tuple[Any, list[Problem]]:
    """The config's "method" value, or the problems of a config that is not an object, or of a dense
    config with other fields."""
    if not isinstance(config, Mapping):
        return None, [Problem("config", f"must be a JSON object, got {type(config).__name__}")]
    method = config.get("method")
    extra = sorted(set(config) - {"method"}) if method == DENSE else []
    if extra:
        return None, [Problem(f"config.{extra[0]}", "dense attention takes no other field")]
    return method, []
