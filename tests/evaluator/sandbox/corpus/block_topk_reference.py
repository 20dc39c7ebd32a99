"""The reference block top-k method called inside the sandbox, its layout returned as indices."""

from kernels.methods.block_topk import BlockTopkParams, block_topk_build_layout


def select(q, k, *, causal, block_size, layer, step, geometry):
    """Block top-k (top 4 blocks of 16 tokens) as kv_num_blocks / kv_indices."""
    layout = block_topk_build_layout(q, k, BlockTopkParams(block_size=block_size[0], top_k=4, causal=causal))
    return {"kv_num_blocks": layout.kv_num_blocks, "kv_indices": layout.kv_indices}
