"""The published protocol of the sparse search benchmark as one frozen configuration dataclass."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

#: Protocol version recorded with every score; bump whenever a number below changes meaning.
#: 4: the initialised track (digits-init) joins the protocol; the digits phase's rules are unchanged.
PROTOCOL_VERSION = "sparse-search-4"


@dataclass(frozen=True)
class SearchConfig:
    """Every number of the protocol: data split, parent, training, seeds, reference and baselines.

    Node sparsity s of a level = fraction of the parent's hidden nodes removed, counted over both
    hidden layers together: a configuration keeps exactly round(total_hidden * (1 - s)) hidden nodes
    (total_hidden = 2 x 256 = 512), at least one in each hidden layer, split between the layers as the
    submitter chooses. Weight density = weight-matrix entries of the sub-network / those of the parent
    (biases excluded); weight sparsity = 1 - weight density. The reference holds n_random_masks uniform
    masks per level (drawn at build) and, at scoring, n_split_masks masks with the submission's own layer
    split per level (the same-split reference).
    """

    levels: tuple[float, ...] = (0.5, 0.75, 0.9, 0.95)
    n_in: int = 64
    hidden: tuple[int, int] = (256, 256)
    n_out: int = 10
    n_val: int = 300
    n_test: int = 497
    epochs: int = 30
    batch_size: int = 50
    learning_rate: float = 3e-3
    adam_betas: tuple[float, float] = (0.9, 0.999)
    adam_eps: float = 1e-8
    convergence_fraction: float = 0.95
    n_hidden_seeds: int = 5
    n_public_seeds: int = 3
    n_random_masks: int = 20
    n_split_masks: int = 10
    search_candidates: int = 10
    search_epochs: int = 10
    search_seed: int = 12345
    bootstrap_reps: int = 2000
    torch_threads: int = 1

    def __post_init__(self) -> None:
        """Reject inconsistent settings with a ValueError naming the field."""
        if not self.levels or any(not 0.0 < s < 1.0 for s in self.levels):
            raise ValueError(f"levels must lie strictly between 0 and 1, got {self.levels}")
        if len(self.hidden) != 2 or self.hidden[0] != self.hidden[1] or self.hidden[0] < 1:
            raise ValueError(f"hidden must be two equal positive layer widths, got {self.hidden}")
        if not 1 <= self.n_public_seeds <= self.n_hidden_seeds:
            raise ValueError(f"n_public_seeds must be 1..{self.n_hidden_seeds}, got {self.n_public_seeds}")
        counts = ("epochs", "batch_size", "n_random_masks", "n_split_masks")
        for name in (*counts, "search_candidates", "search_epochs"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1, got {getattr(self, name)}")
        for level in self.levels:
            if self.kept_total(level=level) < 2:
                raise ValueError(f"level {level} keeps fewer than 2 hidden nodes")

    @property
    def total_hidden(self) -> int:
        """Hidden nodes of the parent over both hidden layers."""
        return sum(self.hidden)

    def kept_total(self, *, level: float) -> int:
        """Exact number of hidden nodes a configuration at `level` keeps (both layers together)."""
        return int(round(self.total_hidden * (1.0 - level)))

    def weight_count(self, *, kept: tuple[int, int]) -> int:
        """Weight-matrix entries (no biases) of a network keeping `kept` nodes per hidden layer."""
        k1, k2 = kept
        return self.n_in * k1 + k1 * k2 + k2 * self.n_out

    def weight_density(self, *, kept: tuple[int, int]) -> float:
        """Weights of the sub-network divided by the weights of the parent."""
        return self.weight_count(kept=kept) / self.weight_count(kept=self.hidden)

    def as_dict(self) -> dict[str, Any]:
        """The configuration as plain JSON-ready values."""
        return asdict(self)


def level_key(level: float) -> str:
    """Canonical text of a level ("0.5", "0.75", ...), used as JSON key and in metric names."""
    return repr(float(level))


def level_tag(level: float) -> str:
    """Short metric suffix of a level: 0.5 -> "l50", 0.95 -> "l95"."""
    return f"l{int(round(level * 100))}"
