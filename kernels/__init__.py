"""Reference sparse attention kernels in pure PyTorch (imports nothing else of ours)."""
