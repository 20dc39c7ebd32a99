"""Reference sparse attention kernels in pure PyTorch (imports nothing else of ours)."""

from kernels.api import sparse_attention
from kernels.layout import HEAD_FULL, HEAD_SKIP, HEAD_SPARSE, BlockLayout
from kernels.metrics import AttentionError, attention_error, layout_density, mass_recall, reference_density
from kernels.reference import dense_attention_reference, layout_attention_reference, layout_token_mask

__all__ = [
    "HEAD_FULL",
    "HEAD_SKIP",
    "HEAD_SPARSE",
    "AttentionError",
    "BlockLayout",
    "attention_error",
    "dense_attention_reference",
    "layout_attention_reference",
    "layout_density",
    "layout_token_mask",
    "mass_recall",
    "reference_density",
    "sparse_attention",
]
