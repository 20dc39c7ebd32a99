"""Sample a local diffusers video model densely and with a method from the same noise; score the pair.

    python -m evaluator.benchmarks.vdit_e2e.diffusers_run --config '{"method": "dense"}' --latent 21,64,104

reads the model that $SPARSEBENCH_VDIT_DIFFUSERS_MODEL names (nothing is downloaded) and prints a JSON
report; with no model configured the report says "n/a" and why.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from dataclasses import asdict, dataclass, field

import numpy as np
import torch

from evaluator.devices import scoring_device
from evaluator.metrics.video import video_frames, video_quality

from ..vdit.submission import VditSubmission, block_problems, config_parse, window_problems
from .diffusers_adapter import AttentionRouter, MeasuringHook, kernel_attention
from .diffusers_model import LocalModel, configured_model, latent_geometry, transformer_load, vae_load
from .submission import e2e_config_parse

DTYPES = {"float32": torch.float32, "bfloat16": torch.bfloat16}


@dataclass(frozen=True)
class RunOptions:
    """One run: the latent's (frames, height, width), the Euler flow-matching steps and their shift, the
    noise seed, the zero text embedding's length, timed rounds after the measured pair, the dtype."""

    latent: tuple[int, int, int]
    steps: int = 4
    shift: float = 3.0
    seed: int = 0
    text_tokens: int = 512
    repeats: int = 0
    dtype: str = "float32"

    def __post_init__(self):
        """Check the counts and the dtype; ValueError naming the option."""
        for name, least in (("steps", 1), ("text_tokens", 1), ("repeats", 0)):
            if getattr(self, name) < least:
                raise ValueError(f"{name} must be at least {least}, got {getattr(self, name)}")
        if not self.shift > 0:
            raise ValueError(f"shift must be positive, got {self.shift}")
        if self.dtype not in DTYPES:
            raise ValueError(f"dtype must be one of {sorted(DTYPES)}, got {self.dtype!r}")


@dataclass(frozen=True)
class ModelShape:
    """Layers and heads of the model, against which a Sparse-vDiT plan is checked."""

    layers: int
    heads: int


@dataclass
class ModelRunReport:
    """The run's findings: "scored", or "n/a" with the reason (nothing measured then)."""

    status: str
    reason: str = ""
    model: str = ""
    method: str = ""
    geometry: dict = field(default_factory=dict)
    conditioning: str = ""
    sampler: str = ""
    calls: list[dict] = field(default_factory=list)
    layers: list[dict] = field(default_factory=list)
    means: dict = field(default_factory=dict)
    latent_rel_l2: float | None = None
    video: dict | None = None
    video_reason: str = ""
    timing: dict = field(default_factory=dict)

    def to_json(self) -> dict:
        """Plain JSON form."""
        return asdict(self)


def flow_sigmas(*, steps: int, shift: float) -> list[float]:
    """Noise levels 1 -> 0 of ``steps`` Euler steps, evenly spaced then shifted as Wan's flow-matching
    schedulers do: s' = shift s / (1 + (shift - 1) s); a final 0."""
    if steps < 1 or shift <= 0:
        raise ValueError(f"steps must be >= 1 and shift > 0, got {steps}, {shift}")
    plain = np.linspace(1.0, 0.0, steps + 1)[:-1]
    return [float(shift * s / (1.0 + (shift - 1.0) * s)) for s in plain] + [0.0]


def denoise(transformer, *, noise: torch.Tensor, context: torch.Tensor, sigmas: list[float],
            router: AttentionRouter | None) -> torch.Tensor:  # fmt: skip
    """The latent after Euler steps x <- x + (s_next - s) v of the transformer's velocity v (float32
    state), each step's index handed to ``router`` (None: the model's own attention)."""
    x = noise.float()
    dtype = transformer.dtype
    for index, (sigma, following) in enumerate(zip(sigmas[:-1], sigmas[1:], strict=True)):
        if router is not None:
            router.step = index
        timestep = torch.full((x.shape[0],), sigma * 1000.0, device=x.device)
        with torch.no_grad():
            velocity = transformer(hidden_states=x.to(dtype), timestep=timestep,
                                   encoder_hidden_states=context, return_dict=False)[0]  # fmt: skip
        x = x + (following - sigma) * velocity.float()
    return x


def submission_parse(
    config: dict, *, transformer, tokens: int, geometry, steps: int | None = None
) -> VditSubmission:
    """The vdit JSON config checked against the model (plan shape, block sizes, window tile); ValueError
    naming every problem's field. With ``steps``, a Sparse-vDiT plan gives every (step, layer) call's
    modes, as on vdit-e2e; without, one entry per layer (step 0) used at every step."""
    shape = ModelShape(layers=len(transformer.blocks), heads=transformer.config.num_attention_heads)
    if "search" in config:
        raise ValueError("config.search: this runner takes a plan; the search runs in vdit-e2e's scorer only")
    if steps is None:
        submission, problems = config_parse(config=config, model=shape)
    else:
        submission, problems = e2e_config_parse(config=config, layers=shape.layers, heads=shape.heads,
                                                steps=steps)  # fmt: skip
    if submission is not None:
        problems = block_problems(submission=submission, tokens=(tokens,)) + window_problems(
            submission=submission, frames=(geometry.frames,), grid=(geometry.height, geometry.width),
            text_tokens=0)  # fmt: skip
    if problems:
        raise ValueError("; ".join(str(p) for p in problems))
    return submission


def _summary(records) -> tuple[list[dict], dict]:
    """Per-layer means over the steps, and the means over every call."""

    def means(rows) -> dict:
        recalls = [r.mass_recall for r in rows if r.mass_recall is not None]
        return {"density": float(np.mean([r.density for r in rows])),
                "rel_l2": float(np.mean([r.rel_l2 for r in rows])),
                "mass_recall": float(np.mean(recalls)) if recalls else None}  # fmt: skip

    layers = sorted({r.layer for r in records})
    return [{"layer": i, **means([r for r in records if r.layer == i])} for i in layers], means(records)


def _decoded(vae, latent: torch.Tensor) -> np.ndarray:
    """Frames (F, H, W, 3) in [0, 1] of the Wan VAE's decoding of a normalised latent."""
    z = vae.config.z_dim
    mean = torch.tensor(vae.config.latents_mean, device=latent.device).view(1, z, 1, 1, 1)
    std = torch.tensor(vae.config.latents_std, device=latent.device).view(1, z, 1, 1, 1)
    with torch.no_grad():
        video = vae.decode((latent * std + mean).to(vae.dtype), return_dict=False)[0]
    return video_frames(video[0].float().cpu().numpy())


def _timed_rounds(transformer, submission, geometry, *, noise, context, sigmas, repeats, seed) -> dict:
    """Dense and method sampling interleaved ``repeats`` times, nothing measured in the hooks: medians."""
    if repeats < 1 or submission.method is None:
        return {"speedup": None, "note": "not timed (dense, or --repeats 0)"}
    walls: dict[str, list[float]] = {"dense_ms": [], "method_ms": [], "dense_attention_ms": [],
                                     "method_attention_ms": [], "estimator_ms": []}  # fmt: skip
    for _ in range(repeats):
        for name in ("dense", "method"):
            hook = MeasuringHook(submission=VditSubmission() if name == "dense" else submission,
                                 geometry=geometry, seed=seed, measure=False)  # fmt: skip
            router = AttentionRouter(hook=hook, geometry=geometry)
            with kernel_attention(transformer, router):
                start = time.perf_counter()
                denoise(transformer, noise=noise, context=context, sigmas=sigmas, router=router)
                if noise.device.type == "cuda":
                    torch.cuda.synchronize(noise.device)
                walls[f"{name}_ms"].append((time.perf_counter() - start) * 1000.0)
            walls[f"{name}_attention_ms"].append(hook.attention_ms)
            if name == "method":
                walls["estimator_ms"].append(hook.estimator_ms)
    medians = {name: statistics.median(values) for name, values in walls.items()}
    return {**medians, "rounds": repeats, "speedup": medians["dense_ms"] / medians["method_ms"]}


def model_run(*, model: LocalModel, config: dict, options: RunOptions, device=None) -> ModelRunReport:
    """Sample the latent densely (the model's own attention) and with the method through the adapter from
    the same noise, measuring every call; score the pair (decoded videos where a VAE is present)."""
    device = scoring_device() if device is None else device
    dtype = DTYPES[options.dtype]
    transformer = transformer_load(model, device=device, dtype=dtype)
    vae = vae_load(model, device=device, dtype=dtype)
    return pair_run(transformer=transformer, vae=vae, name=str(model.transformer_dir), config=config,
                    options=options)  # fmt: skip


def pair_run(*, transformer, vae, name: str, config: dict, options: RunOptions) -> ModelRunReport:
    """``model_run`` on a loaded transformer (and VAE, or None) on their device: the dense and the method's
    sampling from the same noise, the calls measured, the pair scored, ``options.repeats`` timed rounds."""
    device, dtype = transformer.device, transformer.dtype
    geometry = latent_geometry(transformer, frames=options.latent[0], height=options.latent[1],
                               width=options.latent[2])  # fmt: skip
    tokens = geometry.frames * geometry.frame_tokens
    submission = submission_parse(config, transformer=transformer, tokens=tokens, geometry=geometry,
                                  steps=options.steps)  # fmt: skip
    generator = torch.Generator().manual_seed(options.seed)
    noise = torch.randn(1, transformer.config.in_channels, *options.latent, generator=generator).to(device)
    context = torch.zeros(1, options.text_tokens, transformer.config.text_dim, device=device, dtype=dtype)
    sigmas = flow_sigmas(steps=options.steps, shift=options.shift)
    dense = denoise(transformer, noise=noise, context=context, sigmas=sigmas, router=None)
    hook = MeasuringHook(submission=submission, geometry=geometry, seed=options.seed)
    with kernel_attention(transformer, AttentionRouter(hook=hook, geometry=geometry)) as router:
        sparse = denoise(transformer, noise=noise, context=context, sigmas=sigmas, router=router)
    layers, means = _summary(hook.records)
    report = ModelRunReport(
        status="scored", model=name, method=submission.name,
        geometry={"frames": geometry.frames, "height": geometry.height, "width": geometry.width,
                  "text_tokens": geometry.text_tokens, "tokens": tokens},
        conditioning=f"zero text embeddings ({options.text_tokens} tokens): no text encoder is loaded",
        sampler=f"Euler flow matching, {options.steps} steps, shift {options.shift}, seed {options.seed}",
        calls=[asdict(r) for r in hook.records], layers=layers, means=means,
        latent_rel_l2=float((sparse - dense).norm() / dense.norm()),
        timing={"measured_pair": {"method_attention_ms": hook.attention_ms, "estimator_ms": hook.estimator_ms,
                                  "measuring_ms": hook.measure_ms}},
    )  # fmt: skip
    if vae is None:
        report.video_reason = "n/a: no vae/ beside the transformer; the latent-space relative error stands in"
    else:
        report.video = video_quality(_decoded(vae, sparse), _decoded(vae, dense)).means()
    timed = _timed_rounds(transformer, submission, geometry, noise=noise, context=context, sigmas=sigmas,
                          repeats=options.repeats, seed=options.seed)  # fmt: skip
    report.timing.update(timed)
    return report


def _latent(text: str) -> tuple[int, int, int]:
    """FRAMES,HEIGHT,WIDTH of the latent (argparse type)."""
    parts = text.split(",")
    if len(parts) != 3 or not all(p.strip().isdigit() and int(p) > 0 for p in parts):
        raise argparse.ArgumentTypeError(f"--latent must be three positive integers F,H,W, got {text!r}")
    return tuple(int(p) for p in parts)


def main(argv: list[str] | None = None) -> int:
    """Parse the options, run (or report n/a), print the JSON report; 2 on a bad config or model."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", required=True, help="the vdit JSON method config")
    parser.add_argument("--latent", type=_latent, required=True, help="latent frames,height,width")
    parser.add_argument("--steps", type=int, default=4)
    parser.add_argument("--shift", type=float, default=3.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--text-tokens", type=int, default=512)
    parser.add_argument("--repeats", type=int, default=0, help="timed dense/method rounds after the pair")
    parser.add_argument("--dtype", choices=sorted(DTYPES), default="float32")
    args = parser.parse_args(argv)
    try:
        config = json.loads(args.config)
        choice = configured_model()
        if choice.model is None:
            report = ModelRunReport(status="n/a", reason=choice.reason)
        else:
            options = RunOptions(latent=args.latent, steps=args.steps, shift=args.shift, seed=args.seed,
                                 text_tokens=args.text_tokens, repeats=args.repeats,
                                 dtype=args.dtype)  # fmt: skip
            report = model_run(model=choice.model, config=config, options=options)
    except ValueError as exc:  # a bad config, setting or latent (json.JSONDecodeError included)
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(report.to_json(), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
