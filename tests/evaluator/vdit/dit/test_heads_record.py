"""The committed head-pattern record: round trip, page text, and agreement with the committed weights."""

from __future__ import annotations

import torch

from evaluator.benchmarks.vdit.dit.heads import HeadStats, PatternGeometry, heads_measure
from evaluator.benchmarks.vdit.dit.heads_record import (
    HEADS_FILE,
    HeadsRecord,
    heads_record_read,
    heads_record_write,
    heads_text,
)
from evaluator.benchmarks.vdit.dit.model import VideoDiT
from evaluator.benchmarks.vdit.dit.sampler import SamplerConfig
from evaluator.benchmarks.vdit.dit.weights import weights_load
from evaluator.benchmarks.vdit_e2e.spec import e2e_spec


def _record() -> HeadsRecord:
    """A two-head record."""
    heads = (
        HeadStats(0, 0, 0.61234, 0.05, 0.01, 0.32766, "band"),
        HeadStats(0, 1, 0.03, 0.0, 0.01, 0.96, "diffuse"),
    )
    uniform = (0.03, 0.003, 0.004, 0.963)
    return HeadsRecord(seeds=(0, 1), steps=4, geometry=PatternGeometry(), heads=heads, uniform=uniform)


def test_the_record_round_trips_through_json(tmp_path):
    """What is written is read back (shares rounded to 4 places)."""
    path = tmp_path / "heads.json"
    heads_record_write(path=path, record=_record())
    back = heads_record_read(path=path)
    assert back.seeds == (0, 1) and back.steps == 4 and back.geometry == PatternGeometry()
    assert back.heads[0].band == 0.6123 and back.heads[1].label == "diffuse"
    assert back.uniform == (0.03, 0.003, 0.004, 0.963)


def test_the_page_text_has_a_summary_and_a_line_per_head():
    """The counts per label, the uniform reference and every head's shares."""
    text = heads_text(_record())
    lines = text.splitlines()
    assert len(lines) == 3
    assert "1 band, 1 diffuse" in lines[0] and "band 0.030" in lines[0]
    assert lines[1] == "layer 0 head 0: band 0.612, temporal 0.050, stripes 0.010, rest 0.328 (band)"


def test_the_vdit_e2e_page_shows_every_head_of_the_committed_record():
    """The benchmark's description carries the record's 16 head lines and its label counts."""
    record = heads_record_read()
    description = e2e_spec().description
    assert len(record.heads) == 16
    for h in record.heads:
        assert f"layer {h.layer} head {h.head}: band {h.band:.3f}" in description
    diffuse = sum(h.label == "diffuse" for h in record.heads)
    assert f"{diffuse} of its 16 heads are diffuse" in description


def _labels(heads) -> list[tuple[int, int, str]]:
    """(layer, head, label) of every head."""
    return [(h.layer, h.head, h.label) for h in heads]


def test_the_committed_record_agrees_with_the_committed_weights():
    """A short re-measurement (one video, 2 steps) labels every head as the committed record does; the same
    check on an untrained model of the same shape disagrees (the check can fail)."""
    record = heads_record_read()
    model = weights_load(path=HEADS_FILE.with_name("weights.safetensors"))
    short = SamplerConfig(steps=2)
    measured = heads_measure(model=model, seeds=[1], sampler=short, geometry=record.geometry)
    assert _labels(measured) == _labels(record.heads)
    torch.manual_seed(0)
    untrained = VideoDiT(model.config).eval()
    other = heads_measure(model=untrained, seeds=[1], sampler=short, geometry=record.geometry)
    assert _labels(other) != _labels(record.heads)
