"""The end-to-end track's own small video DiT: videos, model, sampler, training, head statistics."""
