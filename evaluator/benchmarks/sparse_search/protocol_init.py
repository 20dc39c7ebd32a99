"""The published protocol of the initialised track (phase digits-init): its README and protocol.json."""

from __future__ import annotations

from typing import Any

from evaluator.benchmarks.sparse_search.config import PROTOCOL_VERSION, SearchConfig, level_key

#: The question each track answers, in one sentence (phase descriptions and READMEs).
QUESTION_DIGITS = (
    "Question: which node layouts are good for any initialisation of the parent (each hidden seed "
    "re-initialises it)?"
)
QUESTION_INIT = (
    "Question: which sub-network of THIS initialised parent is good, as the Random Search paper "
    "(arXiv 2403.08265) asks? The initial weights are published (init/parent_init.npz) and every mask "
    "is trained from them; only the data orders and the test split are hidden."
)


def init_protocol_text(*, config: SearchConfig, init_seed: int | None) -> str:
    """Markdown protocol of the initialised track; `init_seed` None where no build is at hand (the spec)."""
    width = config.hidden[0]
    seed_text = (
        f"{init_seed}" if init_seed is not None else "drawn from the build's public seed (see init/README.md)"
    )
    levels = ", ".join(level_key(lv) for lv in config.levels)
    return f"""Initialised sparse search, phase digits-init (protocol {PROTOCOL_VERSION}).

{QUESTION_INIT}

Data, parent, levels ({levels}), submission format and training settings are those of the digits
phase (README.md / protocol.json of that bundle; data.npz is the same file). What differs:

Initialisation (public): the parent MLP {config.n_in}-{width}-{width}-{config.n_out} starts from the
weights in init/parent_init.npz (arrays w1, b1, w2, b2, w3, b3; W of shape (fan_in, fan_out), b of shape
(fan_out,); float32; read with numpy.load(..., allow_pickle=False)). They are the initialisation of seed
{seed_text} under the protocol's rule (numpy default_rng([seed, 0]), per layer W then b, uniform in
[-1/sqrt(fan_in), 1/sqrt(fan_in))); the seed is numpy default_rng([public build seed, 13])
.integers(2**31 - 1).
A mask's sub-network is those very weights restricted to its kept nodes (no re-initialisation, no
re-scaling), trained as physically smaller dense layers.

Hidden: {config.n_hidden_seeds} data-order seeds per build, drawn from the per-deployment secret (never
from the initialisation seed or the public build seed); with data-order seed t, epoch e visits the
training examples in the e-th permutation drawn from numpy default_rng([t, 1]). The test split and its order
are hidden, as in the digits phase. Public leaderboard split = the first {config.n_public_seeds} data orders;
private split = all {config.n_hidden_seeds}.

References (all trained from the published initialisation with the same hidden data orders, so every
difference compares like with like): the dense parent; {config.n_random_masks} uniformly random masks per
level (random layer split, drawn at build from the secret); and, at scoring, {config.n_split_masks} random
masks per level with the submission's own layer split (the same-split reference). diff_vs_random and
diff_vs_same_split, their intervals and every per-level score are defined as in the digits phase, with
"seed" read as "data order".

Baselines: the dense parent; one uniformly random mask per level; random search ({config.search_candidates}
random masks per level, each trained {config.search_epochs} epochs from the published initialisation on
the public training split with the public data order of seed {config.search_seed}, the best by
validation accuracy kept). Here the chosen nodes carry over to scoring, because scoring starts from the
same weights; only the data order changes.
"""


def init_protocol_json(*, config: SearchConfig, init_seed: int) -> dict[str, Any]:
    """init/protocol.json of the bundle: the track's published settings and its initialisation seed."""
    return {
        "protocol_version": PROTOCOL_VERSION,
        "phase": "digits-init",
        "question": QUESTION_INIT,
        "init_seed": init_seed,
        "init_seed_rule": "numpy default_rng([public build seed, 13]).integers(2**31 - 1)",
        "initial_weights": "init/parent_init.npz: w1, b1, w2, b2, w3, b3 = parent init of init_seed",
        "data_order": "hidden: epoch e uses the e-th permutation of numpy default_rng([t, 1]), t hidden",
        "hidden_data_orders": config.n_hidden_seeds,
        "public_split_data_orders": config.n_public_seeds,
        "config": config.as_dict(),
        "description": init_protocol_text(config=config, init_seed=init_seed),
    }
