"""A sample code submission for the vdit benchmark: a sliding window over frames, plus the text tokens.

select(q, k, causal, block_size, layer, step, geometry) receives one attention call's queries and keys
[B, H, N, d] (frame-major video tokens, then geometry["text_tokens"] text tokens) and returns, per query
block, the key blocks it attends to: {"kv_num_blocks": [B, H, n_q] int32, "kv_indices": [B, H, n_q, W]
int32} (or {"block_mask": [B, H, n_q, n_k] bool}). The platform checks the answer, computes attention with
its own kernels and measures density, error and speed; this function's time counts in the speedup.
"""

import torch

FRAMES_EACH_SIDE = 1


def select(q, k, *, causal, block_size, layer, step, geometry):
    """Every query block sees the key blocks of its frame and its neighbours, and the text blocks."""
    b, h, n, _ = q.shape
    bq, bk = block_size
    n_q, n_k = n // bq, k.shape[2] // bk
    video = geometry["frames"] * geometry["height"] * geometry["width"]
    frame_tokens = geometry["height"] * geometry["width"]
    query_frame = torch.clamp(torch.arange(n_q) * bq // frame_tokens, max=geometry["frames"] - 1)
    key_start = torch.arange(n_k) * bk
    key_frame = key_start // frame_tokens
    near = (key_frame.view(1, -1) - query_frame.view(-1, 1)).abs() <= FRAMES_EACH_SIDE
    text = (key_start >= video).view(1, -1)
    mask = (near & (key_start < video).view(1, -1)) | text
    mask[torch.arange(n_q) * bq >= video] = True  # text queries see everything
    return {"block_mask": mask.view(1, 1, n_q, n_k).expand(b, h, n_q, n_k).contiguous()}
