"""vdit submissions: configs parsed field by field, Sparse-vDiT plans checked against the model, code."""

from __future__ import annotations

import pytest

from evaluator.benchmarks.vdit.model import model_draw
from evaluator.benchmarks.vdit.submission import code_parse, config_parse
from evaluator.sandbox import session as sandbox_session

MODEL = model_draw(public_seed=0)


def _plan(modes_per_layer):
    return {"calls": [{"step": 0, "layer": i, "modes": m} for i, m in enumerate(modes_per_layer)]}


def _where(config):
    parsed, problems = config_parse(config=config, model=MODEL)
    assert parsed is None
    return [p.where for p in problems]


def test_config_parse_accepts_dense_presets_settings_and_a_full_plan():
    assert config_parse(config={"method": "dense"}, model=MODEL)[0].name == "dense"
    psa, _ = config_parse(config={"method": "psa", "preset": "wan2.1-1.3b"}, model=MODEL)
    assert psa.method.settings["key_block_size"] == 32
    plan = _plan(
        [["diagonal"] * MODEL.heads] * (MODEL.layers - 1) + [["skip", "full", "diagonal", "vertical_stripe"]]
    )
    parsed, problems = config_parse(config={"method": "sparse_vdit", "plan": plan}, model=MODEL)
    assert problems == []
    assert parsed.layer_config(MODEL.layers - 1).settings["head_modes"] == (
        "skip",
        "full",
        "diagonal",
        "vertical_stripe",
    )
    assert parsed.layer_config(0).settings["head_modes"] == ("diagonal",) * MODEL.heads


@pytest.mark.parametrize(
    ("config", "where"),
    [
        ("psa", "config"),
        ({"method": "block_topk"}, "config.method"),
        ({"method": "dense", "params": {}}, "config.params"),
        ({"method": "psa", "preset": "wan9"}, "config.preset"),
        ({"method": "psa", "params": {"grid": [1, 2, 3]}}, "config.params.grid"),
        ({"method": "psa", "target_sparsity": 0.9}, "config.target_sparsity"),
        ({"method": "psa", "plan": _plan([["full"] * 4] * 4)}, "config.plan"),
        ({"method": "sparse_vdit", "plan": _plan([["full"] * 4] * 3)}, "config.plan.calls"),
        ({"method": "sparse_vdit", "plan": _plan([["full"] * 3] * 4)}, "config.plan.calls[0].modes"),
        ({"method": "sparse_vdit", "plan": _plan([["full"] * 3 + ["wide"]] * 4)},
         "config.plan.calls[0].modes[3]"),
        ({"method": "sparse_vdit", "plan": {"calls": [{"step": 1, "layer": 0, "modes": ["full"] * 4}]}},
         "config.plan.calls[0].step"),
        ({"method": "sparse_vdit", "plan": {"calls": [{"step": 0, "layer": 7, "modes": ["full"] * 4}]}},
         "config.plan.calls[0].layer"),
        ({"method": "sparse_vdit", "params": {"mode": "skip"}, "plan": _plan([["full"] * 4] * 4)},
         "config.plan"),
        ({"method": "sparse_vdit", "params": {"head_modes": ["full"] * 3}}, "config.params.head_modes"),
    ],
)  # fmt: skip
def test_config_parse_names_the_offending_field(config, where):
    assert _where(config) == [where]


def test_code_parse_refuses_other_files_and_names_a_missing_sandbox(tmp_path, monkeypatch):
    text = tmp_path / "method.txt"
    text.write_text("def select(q, k, **info): pass\n")
    _, problems = code_parse(path=text)
    assert problems[0].where == "method.txt" and ".py file or a .zip" in problems[0].message
    monkeypatch.setattr(
        sandbox_session, "sandbox_available", lambda: (False, "bubblewrap (bwrap) is not installed")
    )
    code = tmp_path / "method.py"
    code.write_text("def select(q, k, **info): pass\n")
    _, problems = code_parse(path=code)
    assert (
        problems[0].where == "method.py"
        and "not accepted on this deployment: bubblewrap" in problems[0].message
    )


def test_svg_and_the_3d_window_are_video_methods_with_their_tile_checked(tmp_path):
    from evaluator.benchmarks.vdit import VditBenchmark
    from evaluator.benchmarks.vdit.model import model_write
    from evaluator.contract import Payload

    svg, problems = config_parse(config={"method": "svg", "params": {"density": 0.1}}, model=MODEL)
    assert problems == [] and svg.method.settings["density"] == 0.1
    model_write(public_dir=tmp_path, model=MODEL)
    bench = VditBenchmark()
    good = Payload(phase="dev", public_dir=tmp_path, config={"method": "window_3d"})
    assert bench.validate(good) == []
    config = {"method": "window_3d", "params": {"tile": [3, 8, 8]}}
    bad = Payload(phase="test", public_dir=tmp_path, config=config)
    assert [p.where for p in bench.validate(bad)] == ["config.params.tile"]
