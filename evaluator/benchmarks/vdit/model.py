"""The workload model: heads with fixed patterns (from the public seed), per-call inputs from a seed.

Like a real video DiT, each (layer, head) keeps its pattern from one call to the next (the premise of
Sparse-vDiT's offline search), while the queries, keys and values of a call depend on the input: here
on the evaluation seed. The patterns and temperatures are published in the bundle (``model.json``); the
test phases' seeds are not.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from pathlib import Path

import torch

from kernels.harness import VideoGeometry
from kernels.workloads import Workload, WorkloadSpec, workload_generate

MODEL_FILE = "model.json"
LAYERS = 4
HEADS = 4
HEAD_DIM = 64
TEXT_TOKENS = 128
#: Head patterns over the 16 heads (ours, published with the bundle): mostly local heads, as the
#: Sparse-vDiT paper reports for real video DiTs, some temporal, a few stripes and diffuse heads.
PATTERN_COUNTS = {"diagonal": 6, "multi_diagonal": 4, "vertical_stripe": 3, "full": 3}
TEMPERATURES = (0.6, 0.8, 1.0, 1.2)
#: Token grids per length: frame-major 32 x 32 frames, then the text tokens.
FRAME_HEIGHT, FRAME_WIDTH = 32, 32


@dataclass(frozen=True)
class WorkloadModel:
    """Each layer's head patterns and temperature (the same for every call of that layer)."""

    patterns: tuple[tuple[str, ...], ...]
    temperatures: tuple[float, ...]
    head_dim: int = HEAD_DIM

    @property
    def layers(self) -> int:
        """Number of layers."""
        return len(self.patterns)

    @property
    def heads(self) -> int:
        """Heads per layer."""
        return len(self.patterns[0])

    def to_json(self) -> dict:
        """Plain JSON form (the bundle's model.json)."""
        return {
            "layers": self.layers, "heads": self.heads, "head_dim": self.head_dim,
            "patterns": [list(p) for p in self.patterns], "temperatures": list(self.temperatures),
            "text_tokens": TEXT_TOKENS, "frame": [FRAME_HEIGHT, FRAME_WIDTH],
        }  # fmt: skip


def model_draw(*, public_seed: int) -> WorkloadModel:
    """The model of a build: the pattern counts shuffled over (layer, head), a temperature per layer."""
    rng = random.Random(f"vdit-model-{public_seed}")
    pool = [name for name, count in PATTERN_COUNTS.items() for _ in range(count)]
    rng.shuffle(pool)
    patterns = tuple(tuple(pool[layer * HEADS : (layer + 1) * HEADS]) for layer in range(LAYERS))
    temperatures = tuple(rng.choice(TEMPERATURES) for _ in range(LAYERS))
    return WorkloadModel(patterns=patterns, temperatures=temperatures)


def model_write(*, public_dir: Path, model: WorkloadModel) -> None:
    """Write model.json into the public bundle."""
    (Path(public_dir) / MODEL_FILE).write_text(json.dumps(model.to_json(), indent=1), encoding="utf-8")


def model_read(*, public_dir: Path) -> WorkloadModel:
    """The model published in the bundle."""
    data = json.loads((Path(public_dir) / MODEL_FILE).read_text(encoding="utf-8"))
    patterns = tuple(tuple(str(p) for p in layer) for layer in data["patterns"])
    return WorkloadModel(patterns=patterns, temperatures=tuple(float(t) for t in data["temperatures"]),
                         head_dim=int(data["head_dim"]))  # fmt: skip


def geometry_for(*, frames: int) -> VideoGeometry:
    """The token grid of a video of ``frames`` frames (32 x 32 tokens each) plus the text tokens."""
    return VideoGeometry(frames=frames, height=FRAME_HEIGHT, width=FRAME_WIDTH, text_tokens=TEXT_TOKENS)


def call_seed(*, seed: int, layer: int) -> int:
    """The workload seed of one layer's call for an evaluation seed."""
    return (seed * 1009 + layer * 7919) % (2**31)


def call_workload(
    *, model: WorkloadModel, geometry: VideoGeometry, seed: int, layer: int,
    device: torch.device | None = None,
) -> Workload:
    """q, k, v ``[1, H, N, d]`` of one layer's attention call for evaluation seed ``seed`` (drawn on the
    CPU, so the same on every device; then moved to ``device``)."""
    spec = WorkloadSpec(
        frames=geometry.frames, height=geometry.height, width=geometry.width,
        text_tokens=geometry.text_tokens, heads=model.patterns[layer], head_dim=model.head_dim,
        temperature=model.temperatures[layer], seed=call_seed(seed=seed, layer=layer),
    )  # fmt: skip
    work = workload_generate(spec=spec)
    if device is None or device.type == "cpu":
        return work
    return Workload(q=work.q.to(device), k=work.k.to(device), v=work.v.to(device), spec=work.spec)
