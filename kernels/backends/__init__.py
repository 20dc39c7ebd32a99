"""Attention backends: CPU gather + fused SDPA, GPU FlexAttention, Triton block-sparse kernel."""
