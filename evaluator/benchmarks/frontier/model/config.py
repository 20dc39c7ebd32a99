"""The shape and temperatures of the wired retrieval model (a frozen config)."""

from __future__ import annotations

from dataclasses import dataclass

#: Feature dimensions of every head after the rotary part: is-<bos> (sinks) and is-break (".", "\n").
N_FEATURES = 2


@dataclass(frozen=True)
class WiredConfig:
    """Layer and head shapes (GQA, partial rotary as in GPT-NeoX), retrieval temperature, weight seed.

    A head's dimensions are [rotary | features | content]: the first `rotary_dim` are rotated by RoPE
    and carry positions, the next two flag sinks and breaks, the last `d_emb` carry token embeddings.
    Layer 1 copies the `n_prev` previous tokens into each position; layer 2 matches `ngram`-token
    contexts. `retrieval_beta` is the retrieval heads' inverse temperature per matching token (smaller
    spreads more attention over partial matches); `positional_scale` sharpens the fixed-offset heads.
    """

    n_layers: int = 2
    n_heads: int = 8
    n_kv_heads: int = 2
    head_dim: int = 128
    rotary_dim: int = 32
    rope_base: float = 10000.0
    n_prev: int = 5
    ngram: int = 3
    retrieval_beta: float = 6.0
    positional_scale: float = 16.0
    seed: int = 20250413

    def __post_init__(self) -> None:
        """Check the shapes: GQA groups, an even rotary part, room for the n-grams."""
        for name in ("n_layers", "n_heads", "n_kv_heads", "head_dim", "rotary_dim", "n_prev", "ngram"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(f"{name} must be a positive int, got {value!r}")
        if self.n_layers != 2:
            raise ValueError(f"n_layers must be 2 (copy layer, then retrieval layer), got {self.n_layers}")
        if self.n_heads % self.n_kv_heads:
            raise ValueError(f"n_heads {self.n_heads} is not a multiple of n_kv_heads {self.n_kv_heads}")
        if self.n_kv_heads < 2 or self.group < 4:
            raise ValueError(f"need at least 2 KV heads of at least 4 query heads each, got "
                             f"{self.n_heads} query / {self.n_kv_heads} KV heads")
        if self.rotary_dim % 2 or self.rotary_dim + N_FEATURES + 16 > self.head_dim:
            raise ValueError(f"rotary_dim must be even and leave >= 16 content dims, got {self.rotary_dim}")
        if self.n_prev < self.ngram + 2:
            raise ValueError(f"n_prev {self.n_prev} must be at least ngram + 2 = {self.ngram + 2}")
        if self.retrieval_beta <= 0 or self.positional_scale <= 0:
            raise ValueError(f"temperatures must be positive, got beta {self.retrieval_beta}, "
                             f"positional_scale {self.positional_scale}")

    @property
    def d_emb(self) -> int:
        """Token embedding width: the content dimensions of a head."""
        return self.head_dim - self.rotary_dim - N_FEATURES

    @property
    def group(self) -> int:
        """Query heads per KV head."""
        return self.n_heads // self.n_kv_heads
