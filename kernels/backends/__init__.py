"""Attention backends: CPU gather + fused SDPA, GPU FlexAttention."""
