"""Sparse attention methods: each turns q, k and frozen params into a BlockLayout (or a KV selection)."""
