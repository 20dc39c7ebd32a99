"""Procedural videos: deterministic in the seed, a moving textured shape of the labelled kind."""

from __future__ import annotations

import pytest
import torch

from evaluator.benchmarks.vdit.dit.videos import SHAPES, VideoConfig, video_batch, video_generate


def test_video_generate_is_deterministic_in_the_seed():
    a, b = video_generate(seed=7), video_generate(seed=7)
    assert torch.equal(a.pixels, b.pixels) and a.label == b.label


def test_video_generate_differs_between_seeds():
    assert not torch.equal(video_generate(seed=1).pixels, video_generate(seed=2).pixels)


def test_video_generate_has_the_configured_shape_and_range():
    v = video_generate(seed=3, config=VideoConfig(frames=4, size=16))
    assert v.pixels.shape == (3, 4, 16, 16)
    assert v.pixels.min() >= -1 and v.pixels.max() <= 1
    assert 0 <= v.label < len(SHAPES)


def test_video_generate_frames_change_over_time():
    v = video_generate(seed=5)
    assert (v.pixels[:, 0] - v.pixels[:, -1]).abs().mean() > 0.01


def test_video_generate_labels_cover_every_shape():
    labels = {video_generate(seed=s, config=VideoConfig(frames=1, size=8)).label for s in range(40)}
    assert labels == set(range(len(SHAPES)))


def test_video_generate_given_label_changes_only_the_shape():
    a, b = video_generate(seed=11, label=0), video_generate(seed=11, label=3)
    assert (a.label, b.label) == (0, 3)
    changed = (a.pixels != b.pixels).any(0).float().mean()
    assert 0 < changed < 0.5


def test_video_generate_rejects_a_bad_label_and_config():
    with pytest.raises(ValueError, match="label"):
        video_generate(seed=0, label=len(SHAPES))
    with pytest.raises(ValueError, match="VideoConfig"):
        VideoConfig(frames=0)


def test_video_batch_stacks_videos_and_labels():
    x, y = video_batch(seeds=[1, 2, 3], config=VideoConfig(frames=2, size=8))
    assert x.shape == (3, 3, 2, 8, 8) and y.shape == (3,)
    assert torch.equal(x[1], video_generate(seed=2, config=VideoConfig(frames=2, size=8)).pixels)
