"""A tiny random Wan2.1 transformer, VAE and pipeline folder, for the diffusers adapter's tests."""

from __future__ import annotations

import json
from pathlib import Path

import torch

HEADS, HEAD_DIM, LAYERS, CHANNELS, TEXT_DIM = 2, 16, 2, 4, 16


def tiny_wan(seed: int = 0):
    """A randomly initialised WanTransformer3DModel: 2 layers of 2 heads of 16 channels, 1x2x2 patches."""
    from diffusers import WanTransformer3DModel

    torch.manual_seed(seed)
    return WanTransformer3DModel(
        patch_size=(1, 2, 2), num_attention_heads=HEADS, attention_head_dim=HEAD_DIM, in_channels=CHANNELS,
        out_channels=CHANNELS, text_dim=TEXT_DIM, freq_dim=16, ffn_dim=64, num_layers=LAYERS,
        rope_max_seq_len=32,
    ).eval()  # fmt: skip


def tiny_vae():
    """A randomly initialised Wan VAE with 4 latent channels (4x spatial, 2x temporal upsampling)."""
    from diffusers import AutoencoderKLWan

    torch.manual_seed(1)
    return AutoencoderKLWan(
        base_dim=8, z_dim=4, dim_mult=[1, 1, 1], num_res_blocks=1, temperal_downsample=[False, True],
        latents_mean=[0.1, -0.2, 0.3, 0.0], latents_std=[1.5, 2.0, 1.0, 0.5],
    ).eval()  # fmt: skip


def tiny_pipeline_save(root: Path) -> Path:
    """A pipeline folder under ``root``: model_index.json, transformer/ (tiny Wan) and vae/ (tiny Wan VAE)."""
    root = Path(root)
    tiny_wan().save_pretrained(root / "transformer")
    tiny_vae().save_pretrained(root / "vae")
    (root / "model_index.json").write_text(json.dumps({"_class_name": "WanPipeline"}))
    return root
