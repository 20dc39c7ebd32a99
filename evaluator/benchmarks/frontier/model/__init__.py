"""The built-in wired retrieval model of the frontier benchmark (torch, float32, CPU; nothing trained)."""

from .config import WiredConfig
from .wired import Attention, KvCache, WiredModel, attention_dense

__all__ = ["Attention", "KvCache", "WiredConfig", "WiredModel", "attention_dense"]
