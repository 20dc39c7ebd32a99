"""A sample code submission for the frontier benchmark: attention sinks plus a local window, in blocks.

select(q, k, causal, block_size, layer, step, geometry) receives one prefill attention call of the model:
queries and keys [B, H, N, d] of the prompt, zero-padded at the end to geometry["padded"] tokens (the first
geometry["tokens"] are real), keys with the KV heads repeated to the query heads (geometry["kv_group"]
query heads share one KV head). Attention is causal. It returns, per query block of block_size[0] tokens,
the key blocks of block_size[1] tokens it attends to: {"kv_num_blocks": [B, H, n_q] int32, "kv_indices":
[B, H, n_q, W] int32} (or {"block_mask": [B, H, n_q, n_k] bool}), optionally with single key tokens per
query block: {"col_counts": [B, H, n_q], "col_indices": [B, H, n_q, C]}. No key block or token may lie
after its query block (the causal rule is checked). The platform checks the answer, computes attention
with its own kernels, counts the density itself, and times this function (from outside its sandbox) in
the speedup.

The eviction variant: a module that sets ANSWER = "eviction" (a string literal) is called once per layer
after the prompt, with the prompt's q [B, H, N, d] and k [B, H_kv, N, d] (not padded, KV heads as they
are; geometry["answer"] == "eviction", block_size [1, 1]), and returns the positions each KV head keeps:
{"kept": [B, H_kv, M] int, "kept_counts": [B, H_kv] int (optional: how many of each row count)}, no
position twice, all in [0, N). The tokens read after the prompt then attend to the kept positions and to
each other; the platform counts the kept share of the visible cache per step.
"""

import torch

SINK_BLOCKS = 1
WINDOW_BLOCKS = 3


def select(q, k, *, causal, block_size, layer, step, geometry):
    """Every query block sees the first SINK_BLOCKS key blocks and the WINDOW_BLOCKS up to its own."""
    b, h, n, _ = q.shape
    n_q, n_k = n // block_size[0], k.shape[2] // block_size[1]
    query = torch.arange(n_q).view(-1, 1)
    key = torch.arange(n_k).view(1, -1)
    last = (query * block_size[0] + block_size[0] - 1) // block_size[1]  # the query block's last key block
    mask = (key <= last) & ((key < SINK_BLOCKS) | (key > last - WINDOW_BLOCKS))
    return {"block_mask": mask.view(1, 1, n_q, n_k).expand(b, h, n_q, n_k).contiguous()}
