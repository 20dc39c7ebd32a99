"""docs/VIDEO_MODELS.md's command runs on a tiny random Wan pipeline; the decoded videos are scored."""

from __future__ import annotations

import json
import math
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from sb_tiny_wan import tiny_pipeline_save, tiny_vae

pytest.importorskip("diffusers", reason="the `video` extra (diffusers) is not installed")

from evaluator.benchmarks.vdit_e2e.diffusers_run import _decoded  # noqa: E402
from evaluator.metrics.video import video_frames  # noqa: E402

REPO = Path(__file__).resolve().parents[3]
DOC = REPO / "docs" / "VIDEO_MODELS.md"
#: What the test changes in the documented command (each must occur once): a tiny model and latent.
REPLACED = {
    "/models/Wan2.1-T2V-1.3B-Diffusers": None,  # the tiny pipeline's folder
    "--latent 21,64,104": "--latent 4,16,32",
    "--steps 50": "--steps 3",
    '"warmup_steps": 15': '"warmup_steps": 1',
    "--repeats 3": "--repeats 1",
}


@pytest.fixture(scope="module")
def tiny_pipeline(tmp_path_factory):
    """A pipeline folder: model_index.json, transformer/ (tiny Wan) and vae/ (tiny Wan VAE)."""
    return tiny_pipeline_save(tmp_path_factory.mktemp("tiny-pipeline"))


def documented_commands() -> list[str]:
    """The lines of the ```sh blocks of docs/VIDEO_MODELS.md's section "The command" (the hosted phase's
    commands run in tests/leaderboard/test_hosted_phases.py)."""
    section = DOC.read_text(encoding="utf-8").split("## The command", 1)[1].split("\n## ")[0]
    blocks = re.findall(r"```sh\n(.*?)```", section, flags=re.S)
    return [line.strip() for block in blocks for line in block.splitlines() if line.strip()]


def test_documented_command_runs_on_a_tiny_pipeline(tiny_pipeline):
    script = "\n".join(documented_commands())
    for old, new in REPLACED.items():
        assert script.count(old) == 1, f"docs/VIDEO_MODELS.md no longer holds {old!r}"
        script = script.replace(old, str(tiny_pipeline) if new is None else new)
    script = re.sub(r"^python ", f"{sys.executable} ", script, flags=re.M)
    done = subprocess.run(["bash", "-e", "-c", f"export HF_HUB_OFFLINE=1 SPARSEBENCH_DEVICE=cpu\n{script}"],
                          cwd=REPO, capture_output=True, text=True, timeout=600)  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout)
    assert report["status"] == "scored" and report["method"] == "psa"
    assert report["geometry"]["tokens"] == 4 * 8 * 16
    assert len(report["calls"]) == 3 * 2  # steps x layers
    assert all(c["density"] == 1.0 for c in report["calls"] if c["step"] == 0)  # the warm-up step
    assert any(c["density"] < 1.0 for c in report["calls"] if c["step"] > 0)
    video = report["video"]
    assert set(video) >= {"psnr", "ssim", "ssim_svg", "lpips"}, report["video_reason"]
    assert math.isfinite(video["psnr"]) and 0.0 < video["ssim"] <= 1.0
    assert report["timing"]["rounds"] == 1 and report["timing"]["speedup"] > 0.0


def test_documented_command_without_a_model_reports_na():
    command = next(c for c in documented_commands() if c.startswith("python "))
    command = command.replace("python ", f"{sys.executable} ", 1)
    done = subprocess.run(["bash", "-e", "-c", f"unset SPARSEBENCH_VDIT_DIFFUSERS_MODEL\n{command}"],
                          cwd=REPO, capture_output=True, text=True, timeout=600)  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout)
    assert report["status"] == "n/a" and "SPARSEBENCH_VDIT_DIFFUSERS_MODEL" in report["reason"]


def test_decoding_undoes_wans_latent_normalisation():
    vae = tiny_vae()
    latent = torch.randn(1, 4, 2, 8, 8, generator=torch.Generator().manual_seed(0))
    mean = torch.tensor([0.1, -0.2, 0.3, 0.0]).view(1, 4, 1, 1, 1)
    std = torch.tensor([1.5, 2.0, 1.0, 0.5]).view(1, 4, 1, 1, 1)
    with torch.no_grad():  # WanPipeline: latents / (1 / std) + mean, then decode
        expected = video_frames(vae.decode(latent / (1.0 / std) + mean, return_dict=False)[0][0].numpy())
        raw = video_frames(vae.decode(latent, return_dict=False)[0][0].numpy())
    # x*std and x/(1/std) differ in the last float bit, so an 8-bit frame value may round either way
    assert np.abs(_decoded(vae, latent) - expected).max() <= 1.0 / 255 + 1e-6
    assert np.abs(raw - expected).max() > 4.0 / 255  # a decoding that skipped the step would be caught
