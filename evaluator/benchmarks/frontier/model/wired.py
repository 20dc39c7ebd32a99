"""WiredModel: a GQA transformer wired by construction; every read of the context is `attention`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import torch
import torch.nn.functional as F

from ..tokenizer import WordTokenizer
from .compact import CompactLayer, compact_layer
from .config import WiredConfig
from .prompt_attention import causal_attention
from .rope import rope_apply, rope_frequencies
from .weights import WiredWeights, weights_build

#: An attention hook: (q [B, Hq, Nq, d], k [B, Hkv, Nk, d], v [B, Hkv, Nk, d], *, layer, causal) -> out
#: [B, Hq, Nq, d]. K and V have n_kv_heads heads (GQA: query head h reads KV head h // group); causal
#: aligns the last query with the last key (Nq < Nk in decoding).
Attention = Callable[..., torch.Tensor]
#: Queries up to this many are attended by matmuls instead of SDPA.
SMALL_QUERIES = 16
#: Decoding steps of up to this many new tokens run on one thread: their ops are small, and on a
#: loaded machine a two-thread op waits for its descheduled second thread (6x slower at load 3.5).
SINGLE_THREAD_TOKENS = SMALL_QUERIES


def attention_dense(
    q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, *, layer: int, causal: bool
) -> torch.Tensor:
    """Dense attention over GQA heads; causal aligns the last query with the last key.

    A prompt goes through `causal_attention` (each head by its structure: a prefix softmax, a band of keys
    or SDPA), later sequences through masked SDPA; a few decoding queries through two matmuls
    (SDPA's CPU kernel has a large fixed cost per call).
    """
    del layer
    n_q, n_k = q.shape[2], k.shape[2]
    device = q.device
    if n_q <= SMALL_QUERIES:
        b, h, _, d = q.shape
        g = h // k.shape[1]
        qg = q.reshape(b, k.shape[1], g * n_q, d)
        scores = (qg @ k.transpose(2, 3)) / d**0.5
        if causal and n_q > 1:
            rows = (torch.arange(n_q, device=device) + (n_k - n_q)).repeat(g)
            later = torch.arange(n_k, device=device)[None, :] > rows[:, None]
            scores = scores.masked_fill(later, float("-inf"))
        return (torch.softmax(scores, dim=-1) @ v).reshape(b, h, n_q, d)
    if not causal:
        return F.scaled_dot_product_attention(q, k, v, enable_gqa=True)
    if n_q == n_k:  # a prompt
        return causal_attention(q, k, v)
    rows = torch.arange(n_q, device=device)[:, None] + (n_k - n_q)
    mask = torch.arange(n_k, device=device)[None, :] <= rows
    return F.scaled_dot_product_attention(q, k, v, attn_mask=mask, enable_gqa=True)


@dataclass
class KvCache:
    """Per layer the keys (after RoPE) and values seen so far, in buffers that grow by doubling (on the
    device of the keys and values appended: the model's)."""

    keys: list[torch.Tensor] = field(default_factory=list)
    values: list[torch.Tensor] = field(default_factory=list)
    length: int = 0

    def append(self, *, layer: int, k: torch.Tensor, v: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Add [B, Hkv, n, d] keys and values of `layer`; return views of all keys and values so far."""
        end = self.length + k.shape[2]
        if layer == len(self.keys):
            self.keys.append(k.new_empty(k.shape[0], k.shape[1], 2 * end, k.shape[3]))
            self.values.append(v.new_empty(self.keys[-1].shape))
        elif self.keys[layer].shape[2] < end:
            grow = k.new_empty(k.shape[0], k.shape[1], 2 * end, k.shape[3])
            for store in (self.keys, self.values):
                bigger = grow.clone()
                bigger[:, :, : self.length] = store[layer][:, :, : self.length]
                store[layer] = bigger
        self.keys[layer][:, :, self.length : end] = k
        self.values[layer][:, :, self.length : end] = v
        return self.keys[layer][:, :, :end], self.values[layer][:, :, :end]


class WiredModel:
    """The built-in retrieval model of the frontier benchmark (float32; nothing trained).

    Every tensor it holds or makes (weights, compact maps, RoPE frequencies, the residual stream, the KV
    cache) lives on `device`; token ids may come from anywhere, logits come back on `device`."""

    def __init__(
        self, *, tokenizer: WordTokenizer, config: WiredConfig | None = None,
        device: torch.device | str = "cpu",
    ) -> None:  # fmt: skip
        """Build the weights from the tokenizer and the config (deterministic, on the CPU), then move them."""
        self.tokenizer = tokenizer
        self.config = config or WiredConfig()
        self.device = torch.device(device)
        weights = weights_build(tokenizer=tokenizer, config=self.config)
        self.weights: WiredWeights = weights.to(self.device)
        self.compact: tuple[CompactLayer, ...] = tuple(
            compact_layer(lw).to(self.device) for lw in weights.layers
        )
        frequencies = rope_frequencies(rotary_dim=self.config.rotary_dim, base=self.config.rope_base)
        self.rope_frequencies = frequencies.to(self.device)

    def _embed(self, *, ids: torch.Tensor) -> torch.Tensor:
        """Residual stream [B, N, d_model] of token ids [B, N]: the token and its features."""
        layout, w = self.weights.layout, self.weights
        ids = ids.to(self.device)
        x = torch.zeros(*ids.shape, layout.d_model, device=self.device)
        x[..., layout.slot(name="tok")] = w.embed[ids]
        x[..., layout.slot(name="feat")] = w.features[ids]
        x[..., layout.slot(name="role")] = w.roles[ids]
        return x

    def _layers(self, *, x: torch.Tensor, cache: KvCache, attention: Attention) -> torch.Tensor:
        """Run the layers on new positions `x` [B, n, d_model] after the cache (x is updated in place).

        The projections go through their compact forms (`compact.py`); the cache is extended.
        """
        cfg = self.config
        start = cache.length
        positions = torch.arange(start, start + x.shape[1], device=x.device)
        b, n = x.shape[:2]
        h, kv, d = cfg.n_heads, cfg.n_kv_heads, cfg.head_dim
        for i, lw in enumerate(self.compact):
            qkv = lw.qkv.apply(x)
            q = qkv[..., : h * d].view(b, n, h, d).transpose(1, 2)
            k = qkv[..., h * d : (h + kv) * d].view(b, n, kv, d).transpose(1, 2)
            v = qkv[..., (h + kv) * d :].view(b, n, kv, d).transpose(1, 2)
            q = rope_apply(x=q, positions=positions, rotary_dim=cfg.rotary_dim, base=cfg.rope_base,
                           frequencies=self.rope_frequencies)  # fmt: skip
            k = rope_apply(x=k, positions=positions, rotary_dim=cfg.rotary_dim, base=cfg.rope_base,
                           frequencies=self.rope_frequencies)  # fmt: skip
            k, v = cache.append(layer=i, k=k, v=v)
            out = attention(q, k, v, layer=i, causal=True)
            expected = (b, h, n, d)
            if tuple(out.shape) != expected:
                raise ValueError(f"attention of layer {i} returned shape {tuple(out.shape)}, not {expected}")
            lw.out.add_into(x, out.transpose(1, 2).reshape(b, n, h * d))
        cache.length += n
        return x

    def readout(self, *, x: torch.Tensor) -> torch.Tensor:
        """Logits [..., V]: the answer slot against every token embedding."""
        return x[..., self.weights.layout.slot(name="out")] @ self.weights.embed.T

    @torch.no_grad()
    def forward(self, *, ids: torch.Tensor, attention: Attention = attention_dense) -> torch.Tensor:
        """Logits [B, N, V] of a whole sequence of ids [B, N] (causal; `attention` once per layer)."""
        return self.readout(x=self._layers(x=self._embed(ids=ids), cache=KvCache(), attention=attention))

    @torch.no_grad()
    def prefill(
        self, *, ids: torch.Tensor, attention: Attention = attention_dense
    ) -> tuple[torch.Tensor, KvCache]:
        """(logits [B, V] of the last position, the KV cache) after reading ids [B, N]."""
        cache = KvCache()
        x = self._layers(x=self._embed(ids=ids), cache=cache, attention=attention)
        return self.readout(x=x[:, -1]), cache

    @torch.no_grad()
    def extend(
        self, *, ids: torch.Tensor, cache: KvCache, attention: Attention = attention_dense
    ) -> torch.Tensor:
        """Logits [B, V] of the last of the new ids [B, n] read after `cache` (decoding; extends it)."""
        if cache.length == 0:
            raise ValueError("extend needs a prefilled cache")
        threads = torch.get_num_threads()
        if ids.shape[1] <= SINGLE_THREAD_TOKENS:
            torch.set_num_threads(1)
        try:
            x = self._layers(x=self._embed(ids=ids), cache=cache, attention=attention)
            return self.readout(x=x[:, -1])
        finally:
            torch.set_num_threads(threads)
