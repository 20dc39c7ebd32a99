"""The wired model's two attention hooks under a submission, and a dense pass that keeps q, k, v."""

from __future__ import annotations

from dataclasses import dataclass, field

import torch

from .attention import MethodAttention
from .model.wired import attention_dense


@dataclass
class SubmissionHooks:
    """`prefill` and `decode` hooks of model_answer, both through one MethodAttention.

    Prefill methods act on the prompt and decoding stays dense, as in the Sparse Frontier (dense
    attention's tally counts its prompts); Quest and the eviction methods act on every token read
    after the prompt (the forced words of the answer and the generated ones), one query at a time."""

    attention: MethodAttention

    def prefill(self, q, k, v, *, layer: int, causal: bool) -> torch.Tensor:
        """The prompt's attention (q, k, v all of the prompt)."""
        if not causal or q.shape[2] != k.shape[2]:
            raise ValueError("the prefill hook takes the whole prompt, causally")
        return self.attention.prefill(q, k, v, layer=layer)

    def decode(self, q, k, v, *, layer: int, causal: bool) -> torch.Tensor:
        """New tokens after the cache: each query at its own position over the keys up to it."""
        if self.attention.submission.phase_kind != "decode":
            return attention_dense(q, k, v, layer=layer, causal=causal)
        n_q, n_k = q.shape[2], k.shape[2]
        outs = []
        for t in range(n_q):
            position = n_k - n_q + t
            outs.append(
                self.attention.decode(
                    q[:, :, t : t + 1], k[:, :, : position + 1], v[:, :, : position + 1],
                    layer=layer, position=position,
                )
            )
        return torch.cat(outs, dim=2)


@dataclass
class CapturingDense:
    """Dense attention that keeps each layer's q, k, v of the prompt and of the answer read after it
    (the inputs of the speed and budget measurements)."""

    prompt: dict[int, tuple[torch.Tensor, torch.Tensor, torch.Tensor]] = field(default_factory=dict)
    answer_q: dict[int, list[torch.Tensor]] = field(default_factory=dict)
    cache: dict[int, tuple[torch.Tensor, torch.Tensor]] = field(default_factory=dict)

    def prefill(self, q, k, v, *, layer: int, causal: bool) -> torch.Tensor:
        """Dense attention; q, k, v of the prompt kept per layer."""
        self.prompt[layer] = (q.clone(), k.clone(), v.clone())
        return attention_dense(q, k, v, layer=layer, causal=causal)

    def decode(self, q, k, v, *, layer: int, causal: bool) -> torch.Tensor:
        """Dense attention; the new queries and the whole cache kept per layer."""
        self.answer_q.setdefault(layer, []).append(q.clone())
        self.cache[layer] = (k.clone(), v.clone())
        return attention_dense(q, k, v, layer=layer, causal=causal)

    def whole(self) -> tuple[dict[int, tuple[torch.Tensor, torch.Tensor, torch.Tensor]], int]:
        """(per layer q, k, v of the prompt and the answer together, the answer's token count)."""
        layers = {}
        for layer, (q, _, _) in self.prompt.items():
            k, v = self.cache[layer]
            layers[layer] = (torch.cat([q, *self.answer_q[layer]], dim=2), k, v)
        steps = sum(chunk.shape[2] for chunk in self.answer_q[min(self.prompt)])
        return layers, steps
