"""A local Hugging Face `transformers` causal LM whose attention runs through a frontier submission.

The model is read from the directory named by $SPARSEBENCH_FRONTIER_HF_MODEL with
``local_files_only=True`` (nothing is downloaded). Its attention is replaced through transformers'
attention registry (``AttentionInterface.register``, ``attn_implementation=``) by a function that hands
each call's q, k, v to the same hooks as the built-in model (``SubmissionHooks``: the submission's
kernels for the prompt, Quest or a kept cache for decoding) and, when asked, measures the call as the
built-in model and the kernels' harness do: output error against dense attention on the same q, k, v
(a prompt's on the built-in model's `error_rows`, by its `prefill_error`), the density counted from
what was computed, and the attention mass the layout kept.

Supported: decoder-only models whose every layer attends causally over the whole context (no sliding
window, no logit soft-capping), one sequence at a time; anything else is refused with the reason.
"""

from __future__ import annotations

import contextvars
import importlib.util
import math
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import torch
import torch.nn.functional as F

from kernels.harness import dense_attention
from kernels.metrics import attention_error, mass_recall

from .attention import MethodAttention, prefill_error
from .submission import PAD_MULTIPLE

MODEL_ENV = "SPARSEBENCH_FRONTIER_HF_MODEL"
#: The name the adapter's attention function is registered under in transformers' registry.
ATTENTION_NAME = "sparsebench_frontier"
UNCONFIGURED = f"n/a: no local model configured ({MODEL_ENV})"
NO_TRANSFORMERS = "n/a: the transformers package is not installed (pip install 'sparsebench[hf]')"

_ACTIVE: contextvars.ContextVar[HfAttention | None] = contextvars.ContextVar("frontier_hf_attention",
                                                                             default=None)  # fmt: skip


def hf_model_dir(*, environ: Mapping[str, str] = os.environ) -> Path | None:
    """The configured model directory (None when the variable is unset or empty); ValueError naming the
    variable when it is not a directory holding a saved model's config.json."""
    raw = environ.get(MODEL_ENV, "").strip()
    if not raw:
        return None
    path = Path(raw).expanduser()
    if not path.is_dir():
        raise ValueError(f"{MODEL_ENV}={raw!r}: not a directory")
    if not (path / "config.json").is_file():
        raise ValueError(f"{MODEL_ENV}={raw!r}: holds no config.json (a model saved with save_pretrained)")
    return path


def hf_unavailable_reason(*, environ: Mapping[str, str] = os.environ) -> str | None:
    """Why no local model can run here ("n/a: ..."), or None when one is configured and loadable."""
    if hf_model_dir(environ=environ) is None:
        return UNCONFIGURED
    if importlib.util.find_spec("transformers") is None:
        return NO_TRANSFORMERS
    return None


@dataclass(frozen=True)
class CallRecord:
    """One attention call measured against dense attention on the same q, k, v.

    ``rel_l2``: a prompt's output error over the built-in model's `error_rows` (`prefill_error`: 256
    evenly spaced query rows, every row of a shorter prompt), a decode step's over its queries;
    ``density``: computed cells over the causal tiles of the real rows (the frontier's count, the
    kernels' ``layout_density`` when no padding row is added), or the kept share of the cache for a
    decode step; ``density_reference``: the Sparse Frontier's count (over the causal cells);
    ``mass_recall``: the kernels' ``mass_recall`` of the layout, on the padded q, k it ran on;
    ``sample``: the index of the sample whose answer made the call."""

    layer: int
    kind: str
    queries: int
    keys: int
    rel_l2: float
    density: float | None
    density_reference: float | None
    mass_recall: float | None
    sample: int = 0


@dataclass
class HfAttention:
    """The hooks a model run's attention calls go through (``prefill``/``decode`` of q, k, v as
    ``SubmissionHooks`` or ``CapturingDense`` take them) and, with ``measure``, a record per call
    (tagged with ``sample``, which the caller sets before each sample)."""

    hooks: object
    attention: MethodAttention | None = None
    measure: bool = False
    sample: int = 0
    records: list[CallRecord] = field(default_factory=list)

    def call(self, q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, *, layer: int) -> torch.Tensor:
        """The attention of q [1, Hq, n, d] over k, v [1, Hkv, N, d] (n == N: a prompt, else new tokens)."""
        prompt = q.shape[2] == k.shape[2]
        before = None if self.attention is None else _counts(self.attention)
        if prompt:
            out = self.hooks.prefill(q, k, v, layer=layer, causal=True)
        else:
            out = self.hooks.decode(q, k, v, layer=layer, causal=True)
        acting = prompt or (self.attention is not None and self.attention.submission.phase_kind == "decode")
        if self.measure and acting:
            self.records.append(self._record(q, k, out, v=v, layer=layer, prompt=prompt, before=before))
        return out

    def _record(self, q, k, out, *, v, layer: int, prompt: bool, before) -> CallRecord:
        """The call's error (a prompt's as the built-in model measures it: `prefill_error`), density (the
        tally's growth in this call) and mass recall."""
        if prompt:
            error = prefill_error(out, q, k, v)
        else:
            error = attention_error(out, dense_attention(q, k, v, causal=True)).rel_l2
        density = density_reference = recall = None
        if before is not None:
            grown = [now - was for now, was in zip(_counts(self.attention), before, strict=True)]
            density = grown[0] / grown[1] if grown[1] else None
            density_reference = grown[2] / grown[3] if grown[3] else None
            layout = self.attention.last_layout if prompt else None
            if layout is not None:
                recall = mass_recall(*_padded(q, k), layout)
        return CallRecord(layer=layer, kind="prefill" if prompt else "decode", queries=q.shape[2],
                          keys=k.shape[2], rel_l2=error, density=density,
                          density_reference=density_reference, mass_recall=recall,
                          sample=self.sample)  # fmt: skip


def _counts(attention: MethodAttention) -> tuple[float, float, float, float]:
    """The tally's running sums: (computed, causal, reference, reference's causal)."""
    t = attention.tally
    return t.computed, t.causal, t.reference, t.reference_causal


def _padded(q: torch.Tensor, k: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """q and k (KV heads repeated to the query heads) zero-padded at the end to PAD_MULTIPLE, as
    ``MethodAttention.prefill`` pads them for a layout."""
    n = q.shape[2]
    pad = (0, 0, 0, -(-n // PAD_MULTIPLE) * PAD_MULTIPLE - n)
    return F.pad(q, pad), F.pad(k.repeat_interleave(q.shape[1] // k.shape[1], dim=1), pad)


@contextmanager
def hf_attention_active(attention: HfAttention) -> Iterator[HfAttention]:
    """Route the adapter's attention calls made inside the block through ``attention``."""
    token = _ACTIVE.set(attention)
    try:
        yield attention
    finally:
        _ACTIVE.reset(token)


def _attention_forward(module, query, key, value, attention_mask, dropout: float = 0.0,
                       scaling: float | None = None, **kwargs):  # fmt: skip
    """transformers' attention-function signature: q, k, v [B, H, N, d] in, ([B, N, H, d], None) out."""
    active = _ACTIVE.get()
    if active is None:
        raise RuntimeError(f"the {ATTENTION_NAME} attention runs only inside hf_attention_active(...)")
    if query.shape[0] != 1:
        raise ValueError(f"the adapter runs one sequence at a time, got a batch of {query.shape[0]}")
    for name in ("sliding_window", "softcap"):
        if kwargs.get(name) is not None:
            raise ValueError(f"layer {module.layer_idx}: {name}={kwargs[name]}: the adapter does not run it")
    if dropout:
        raise ValueError("attention dropout is on: put the model in eval mode")
    d = query.shape[-1]
    if scaling is not None and not math.isclose(scaling, d**-0.5, rel_tol=1e-12):
        query = query * (scaling * math.sqrt(d))  # the kernels scale logits by 1/sqrt(d)
    out = active.call(query, key, value, layer=module.layer_idx)
    return out.transpose(1, 2).contiguous(), None


def attention_register() -> None:
    """Register the adapter's attention function in transformers' registry (idempotent)."""
    from transformers import AttentionInterface

    AttentionInterface.register(ATTENTION_NAME, _attention_forward)


@dataclass(frozen=True)
class HfModel:
    """A loaded local model, its tokenizer and where they came from."""

    model: object
    tokenizer: object
    path: Path
    device: torch.device
    dtype: torch.dtype


def config_check(config) -> None:
    """ValueError unless every layer attends causally over the whole context."""
    kinds = set(getattr(config, "layer_types", None) or ["full_attention"])
    if kinds != {"full_attention"}:
        raise ValueError(f"config.layer_types {sorted(kinds)}: the adapter runs full causal attention only")
    if getattr(config, "sliding_window", None) and getattr(config, "use_sliding_window", True):
        raise ValueError(f"config.sliding_window={config.sliding_window}: the adapter runs full attention")
    if getattr(config, "is_encoder_decoder", False):
        raise ValueError("config.is_encoder_decoder: the adapter runs decoder-only causal models")


def hf_model_load(*, path: Path, device: torch.device, dtype: torch.dtype | None = None) -> HfModel:
    """The model and tokenizer saved in ``path``, from local files only, with the adapter's attention.

    ``dtype``: float32 on a CPU by default (the compiled kernel's), the saved dtype on a GPU."""
    from transformers import AutoConfig, AutoModelForCausalLM, AutoTokenizer

    config = AutoConfig.from_pretrained(path, local_files_only=True)
    config_check(config)
    attention_register()
    wanted = dtype if dtype is not None else (torch.float32 if device.type == "cpu" else "auto")
    model = AutoModelForCausalLM.from_pretrained(path, local_files_only=True, dtype=wanted,
                                                 attn_implementation=ATTENTION_NAME)  # fmt: skip
    model.to(device).eval()
    tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=True)
    return HfModel(model=model, tokenizer=tokenizer, path=path, device=device, dtype=model.dtype)
