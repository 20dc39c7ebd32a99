"""Specs for method configs: JSON in, a checked config out, every problem named by its field."""

from __future__ import annotations

import dataclasses
import json

import pytest

from kernels.method_config import (
    INPUT_FIELDS,
    METHOD_NAMES,
    ConfigError,
    method_config_parse,
    settable_fields,
)


def test_method_config_parses_and_converts_json_values():
    config = method_config_parse(
        json.loads('{"method": "psa", "params": {"thresholds": [0.5, 1], "block_size": 64}}')
    )
    assert config.method == "psa"
    assert dict(config.settings) == {"thresholds": (0.5, 1.0), "block_size": 64}
    assert config.params_class(**config.settings).thresholds == (0.5, 1.0)


def test_method_config_without_params_takes_the_defaults():
    assert dict(method_config_parse({"method": "blade_asa"}).settings) == {}


@pytest.mark.parametrize("method", METHOD_NAMES)
def test_every_settable_default_survives_a_json_round_trip(method):
    defaults = {}
    for name in settable_fields(method):
        field = config_field(method, name)
        if field.default is not dataclasses.MISSING:
            defaults[name] = field.default
    config = method_config_parse(json.loads(json.dumps({"method": method, "params": defaults})))
    assert dict(config.settings) == defaults


def config_field(method: str, name: str) -> dataclasses.Field:
    from kernels.method_config import params_class

    return {f.name: f for f in dataclasses.fields(params_class(method))}[name]


@pytest.mark.parametrize(
    "data,field,message",
    [
        ([1, 2], "config", "JSON object"),
        ({"method": "psa", "extra": 1}, "extra", "unknown key"),
        ({"method": "dense"}, "method", "must be one of"),
        ({"method": "psa", "params": [1]}, "params", "JSON object"),
        ({"method": "psa", "params": {"tau": 0.9}}, "params.tau", "unknown for psa; settable: \\["),
        ({"method": "sparse_vdit", "params": {"frames": 4}}, "params.frames", "set by the benchmark"),
        ({"method": "psa", "params": {"grid": [1, 2, 3]}}, "params.grid", "set by the benchmark"),
        ({"method": "ada_snapkv", "params": {"adaptive": False}}, "params.adaptive", "set by the benchmark"),
        ({"method": "block_topk", "params": {"top_k": True}}, "params.top_k", "integer"),
        ({"method": "block_topk", "params": {"top_k": 2.5}}, "params.top_k", "integer"),
        ({"method": "block_topk", "params": {"top_k": 2**31}}, "params.top_k", "at most 2147483647"),
        ({"method": "psa", "params": {"block_size": -(2**63)}}, "params.block_size", "at least -2147483648"),
        ({"method": "block_topk", "params": {"causal": 1}}, "params.causal", "true or false"),
        ({"method": "blade_asa", "params": {"tau": "0.9"}}, "params.tau", "finite number"),
        ({"method": "blade_asa", "params": {"tau": float("nan")}}, "params.tau", "finite number"),
        ({"method": "psa", "params": {"thresholds": 0.5}}, "params.thresholds", "must be a list"),
        ({"method": "psa", "params": {"thresholds": [0.4, "x"]}}, "params.thresholds[1]", "finite number"),
        ({"method": "sparse_vdit", "params": {"mode": 3}}, "params.mode", "string"),
        ({"method": "blade_asa", "params": {"tau": 1.5}}, "params.tau", "tau must lie in"),
        ({"method": "psa", "params": {"thresholds": [0.6, 0.4]}}, "params.thresholds", "non-decreasing"),
        ({"method": "sparse_vdit", "params": {"mode": "spiral"}}, "params.mode", "mode must be one of"),
        (
            {"method": "vertical_slash", "params": {"columns": "rows"}},
            "params.columns",
            "columns must be one of",
        ),
        (
            {"method": "flexprefill", "params": {"columns": "rows"}},
            "params.columns",
            "columns must be one of",
        ),
        (
            {"method": "flexprefill", "params": {"sink_tokens": -1}},
            "params.sink_tokens",
            "sink_tokens and local_tokens",
        ),
        (
            {"method": "sparse_vdit", "params": {"block_size": 0}},
            "params.block_size",
            "block_size, stripe_queries",
        ),
        (
            {"method": "sparse_vdit", "params": {"stripe_queries": 0}},
            "params.stripe_queries",
            "block_size, stripe_queries",
        ),
        (
            {"method": "sparse_vdit", "params": {"band_blocks": -1}},
            "params.band_blocks",
            "band_blocks must be >= 0",
        ),
        (
            {"method": "sparse_vdit", "params": {"stripe_blocks": 0}},
            "params.stripe_blocks",
            "stripe_blocks >= 1",
        ),
        ({"method": "psa", "params": {"block_size": 0}}, "params.block_size", "block_size >= 1"),
        ({"method": "psa", "params": {"sample_tokens": 0}}, "params.sample_tokens", "1 <= sample_tokens"),
        (
            {"method": "psa", "params": {"sample_tokens": 129}},
            "params.sample_tokens",
            "sample_tokens <= block_size",
        ),
        ({"method": "blade_asa", "params": {"block_size": 0}}, "params.block_size", "block_size >= 1"),
        (
            {"method": "blade_asa", "params": {"sample_tokens": 0}},
            "params.sample_tokens",
            "1 <= sample_tokens",
        ),
        (
            {"method": "sparse_vdit", "params": {"head_modes": ["diagonal", "x"]}},
            "params.head_modes",
            "head_modes must be",
        ),
        ({"method": "sparse_vdit", "params": {"head_modes": []}}, "params.head_modes", "head_modes must be"),
        ({"method": "sparse_vdit", "params": {"head_modes": "full"}}, "params.head_modes", "must be a list"),
    ],
)
def test_method_config_errors_name_the_field(data, field, message):
    with pytest.raises(ConfigError, match=message) as caught:
        method_config_parse(data)
    assert caught.value.field == field
    assert str(caught.value).startswith(f"{field}: ")


def test_input_fields_are_never_settable():
    for method in METHOD_NAMES:
        assert not INPUT_FIELDS & set(settable_fields(method))
