"""Method configs as submitted (JSON): parsed into a method's params dataclass, problems named by field."""

from __future__ import annotations

import dataclasses
import math
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from kernels.methods import GROUPED_METHODS, LAYOUT_METHODS
from kernels.methods.blade import BLADE_PRESETS
from kernels.methods.psa import PSA_PRESETS
from kernels.methods.snapkv import SnapKvParams

EVICTION_METHODS = ("snapkv", "ada_snapkv")
DECODE_METHODS = ("quest", *EVICTION_METHODS)
METHOD_NAMES = (*LAYOUT_METHODS, *GROUPED_METHODS, *EVICTION_METHODS)
# set by the harness from the inputs (token grid, text tokens, eviction variant), never by a submission
# (and the sampling seed of PSA's and BLADE's estimator: the harness's, so it can hide it)
INPUT_FIELDS = frozenset({"frames", "frame_tokens", "text_tokens", "grid", "adaptive", "seed"})
TOP_KEYS = frozenset({"method", "preset", "params", "target_sparsity"})
# the integers a config carries (token counts, block sizes): 32-bit, far beyond any context length
INT_MIN, INT_MAX = -(2**31), 2**31 - 1
# the released settings by name: {"method": "psa", "preset": "wan2.1-1.3b"}; params override them
PRESETS = {"psa": PSA_PRESETS, "blade_asa": BLADE_PRESETS}
# the long-context methods' budget fields that "target_sparsity" chooses (kernels/budget.py)
TARGET_KNOBS = {
    "block_topk": ("top_k",),
    "quest": ("token_budget",),
    "snapkv": ("capacity",),
    "ada_snapkv": ("capacity",),
    "vertical_slash": ("n_vertical", "n_slash"),
    "flexprefill": ("alpha",),
}


class ConfigError(ValueError):
    """A method config that cannot be used; ``field`` names the offending key (dotted path)."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field


@dataclass(frozen=True)
class MethodConfig:
    """A validated method config: the method's name, the preset it starts from (if any) and its own
    settings (the preset's values overlaid by the submitted params, checked); ``target_sparsity``,
    when given, has the harness choose the method's budget (``TARGET_KNOBS``)."""

    method: str
    settings: Mapping[str, Any]
    preset: str | None = None
    target_sparsity: float | None = None

    @property
    def params_class(self) -> type:
        """The frozen params dataclass of the method."""
        return params_class(self.method)


def params_class(method: str) -> type:
    """The params dataclass of ``method`` (SnapKV and Ada-SnapKV share one)."""
    if method in EVICTION_METHODS:
        return SnapKvParams
    if method in GROUPED_METHODS:
        return GROUPED_METHODS[method][0]
    return LAYOUT_METHODS[method][0]


def settable_fields(method: str) -> dict[str, Any]:
    """The fields a submission may set for ``method``, with their types."""
    hints = typing.get_type_hints(params_class(method))
    return {
        f.name: hints[f.name] for f in dataclasses.fields(params_class(method)) if f.name not in INPUT_FIELDS
    }


def method_config_parse(data: Any) -> MethodConfig:
    """``{"method": name, "preset": name?, "params": {field: value}, "target_sparsity": s?}`` checked
    field by field; ConfigError names the field (an unknown preset: the preset and the known names).

    Input fields (token grid, text tokens, the eviction variant) are refused: the harness derives
    them from the inputs it measures on. The params' own range checks run here too. The optional
    ``target_sparsity`` (in (0, 1), long-context methods only) replaces the budget fields, which the
    config must then leave out.
    """
    if not isinstance(data, Mapping):
        raise ConfigError("config", f"must be a JSON object, got {type(data).__name__}")
    extra = sorted(set(data) - TOP_KEYS)
    if extra:
        raise ConfigError(extra[0], f"unknown key; a config has only {sorted(TOP_KEYS)}")
    method = data.get("method")
    if method not in METHOD_NAMES:
        raise ConfigError("method", f"must be one of {list(METHOD_NAMES)}, got {method!r}")
    raw = data.get("params", {})
    if not isinstance(raw, Mapping):
        raise ConfigError("params", f"must be a JSON object, got {type(raw).__name__}")
    allowed = settable_fields(method)
    preset = data.get("preset")
    settings = dict(preset_settings(method, preset)) if preset is not None else {}
    for name, value in raw.items():
        field = f"params.{name}"
        if name in INPUT_FIELDS:
            raise ConfigError(field, "is set by the benchmark from its inputs, not by a submission")
        if name not in allowed:
            raise ConfigError(field, f"unknown for {method}; settable: {sorted(allowed)}")
        settings[name] = json_value(value, allowed[name], field=field)
    target = target_sparsity_parse(data, method=method, settings=settings)
    config = MethodConfig(
        method=method, settings=types.MappingProxyType(settings), preset=preset, target_sparsity=target
    )
    try:
        params_class(method)(**defaults_for_check(method), **settings)
    except ValueError as exc:
        raise ConfigError(_range_field(str(exc), submitted=raw), str(exc)) from exc
    return config


def _range_field(message: str, *, submitted: Mapping) -> str:
    """The submitted param a range check's message names first ("params" when it names none of them)."""
    named = [(message.find(name), name) for name in submitted if name in message]
    return f"params.{min(named)[1]}" if named else "params"


def target_sparsity_parse(data: Mapping, *, method: str, settings: Mapping[str, Any]) -> float | None:
    """The config's target sparsity, checked: a number in (0, 1), for a method with a budget knob,
    whose budget fields the params leave to it."""
    if "target_sparsity" not in data:
        return None
    value = json_value(data["target_sparsity"], float, field="target_sparsity")
    if not 0.0 < value < 1.0:
        raise ConfigError("target_sparsity", f"must lie in (0, 1), got {value}")
    if method not in TARGET_KNOBS:
        raise ConfigError("target_sparsity", f"is not offered for {method}; only for {sorted(TARGET_KNOBS)}")
    for name in TARGET_KNOBS[method]:
        if name in settings:
            raise ConfigError(f"params.{name}", "is chosen from target_sparsity: set one or the other")
    return value


def preset_settings(method: str, preset: Any) -> Mapping[str, Any]:
    """The settings of ``method``'s released preset named ``preset``; ConfigError("preset") otherwise."""
    known = PRESETS.get(method, {})
    if not isinstance(preset, str) or preset not in known:
        names = sorted(known) if known else "none"
        raise ConfigError("preset", f"unknown preset {preset!r} for {method}; known presets: {names}")
    return known[preset]


def defaults_for_check(method: str) -> dict[str, Any]:
    """Stand-in input fields that let a params class be built for its range checks alone."""
    if method in ("sparse_vdit", "svg"):
        return {"frames": 1, "frame_tokens": 0}
    return {}


def json_value(value: Any, hint: Any, *, field: str) -> Any:
    """``value`` checked against the type ``hint`` (int, float, bool, str, X | None, tuples), converted."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (types.UnionType, typing.Union):
        if value is None and type(None) in args:
            return None
        (inner,) = [a for a in args if a is not type(None)]
        return json_value(value, inner, field=field)
    if origin is tuple:
        if not isinstance(value, list | tuple):
            raise ConfigError(field, f"must be a list, got {type(value).__name__}")
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(json_value(v, args[0], field=f"{field}[{i}]") for i, v in enumerate(value))
        if len(value) != len(args):
            raise ConfigError(field, f"must hold {len(args)} values, got {len(value)}")
        return tuple(
            json_value(v, a, field=f"{field}[{i}]") for i, (v, a) in enumerate(zip(value, args, strict=True))
        )
    if hint is bool:
        if not isinstance(value, bool):
            raise ConfigError(field, f"must be true or false, got {value!r}")
        return value
    if hint is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(field, f"must be an integer, got {value!r}")
        if not INT_MIN <= value <= INT_MAX:  # a larger count overflows the kernels' int64 arithmetic
            raise ConfigError(field, f"must be at least {INT_MIN} and at most {INT_MAX}, got {value}")
        return value
    if hint is float:
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise ConfigError(field, f"must be a finite number, got {value!r}")
        return float(value)
    if hint is str:
        if not isinstance(value, str):
            raise ConfigError(field, f"must be a string, got {value!r}")
        return value
    raise ConfigError(field, f"has a type the config format does not carry ({hint})")
