"""The published protocol: the human description, protocol.json and the public README of the bundle."""

from __future__ import annotations

from typing import Any

from evaluator.benchmarks.sparse_search.config import PROTOCOL_VERSION, SearchConfig, level_key
from evaluator.benchmarks.sparse_search.data import DIGITS_IMAGES
from evaluator.benchmarks.sparse_search.protocol_init import QUESTION_DIGITS, QUESTION_INIT


def protocol_text(*, config: SearchConfig) -> str:
    """Markdown description of data, parent, sparsity, training, submission format and scores."""
    levels = ", ".join(level_key(lv) for lv in config.levels)
    kept = ", ".join(f"{level_key(lv)} -> {config.kept_total(level=lv)}" for lv in config.levels)
    width = config.hidden[0]
    return f"""Sparse architecture search with random-search baselines (protocol {PROTOCOL_VERSION}).

Two tracks (phases). Phase digits, whose protocol this text is: {QUESTION_DIGITS}
Phase digits-init, whose bundle's init/README.md gives what differs: {QUESTION_INIT}

Data: scikit-learn's bundled digits (8x8 images, pixels divided by 16, 10 classes), shuffled once per
build; {config.n_test} images form the hidden test split (its order is hidden), {config.n_val} the public
validation split and the remaining {DIGITS_IMAGES - config.n_test - config.n_val} the public training split
(data.npz: x_train, y_train, x_val, y_val).

Parent: MLP {config.n_in}-{width}-{width}-{config.n_out} with ReLU. A configuration is a binary mask over
the 2 x {width} hidden nodes. Node sparsity s = fraction of all {config.total_hidden} hidden nodes
removed: a mask at level s keeps exactly round({config.total_hidden} * (1 - s)) nodes in total
({kept}), split between the two hidden layers as you choose, at least one per layer (so
the layer split is part of the search and weight density differs between configurations of one level).
Levels: {levels}.
Weight density = weight-matrix entries of the sub-network / those of the parent:
({config.n_in}*k1 + k1*k2 + k2*{config.n_out}) / {config.weight_count(kept=config.hidden)}, biases excluded.

Training (done by the platform, never by the submitter): for training seed t the parent is initialised
from numpy default_rng([t, 0]): per layer in order (W1, b1, W2, b2, W3, b3), W of shape (fan_in, fan_out)
then b of shape (fan_out,), each uniform in [-1/sqrt(fan_in), 1/sqrt(fan_in)), as float32. A sub-network
takes those initial weights restricted to its kept nodes (rows and columns sliced; no re-scaling) and is
trained as physically smaller dense layers. Optimiser: Adam (lr {config.learning_rate}, betas
{config.adam_betas}, eps {config.adam_eps}, no weight decay), mean cross-entropy, mini-batches of
{config.batch_size}, {config.epochs} epochs; the example order of epoch e is the e-th permutation drawn from
numpy default_rng([t, 1]). float32 on CPU, {config.torch_threads} torch thread(s), deterministic algorithms.
The final network (after the last epoch) is tested; no early stopping.

Hidden seeds: {config.n_hidden_seeds} training seeds per build, drawn (like the test order and the
reference's random masks) from a per-deployment secret: nothing public determines them. Public leaderboard
split = the first
{config.n_public_seeds} of them; private split = all {config.n_hidden_seeds} (the final ranking uses every
seed). Reference (precomputed at build on the same seeds): the dense parent and {config.n_random_masks}
uniformly random masks per level (uniform over all valid masks of that exact node count, so their layer
split is random too). Same-split reference (trained at scoring on the same seeds): per level,
{config.n_split_masks} random masks that keep exactly the submission's own number of nodes in each layer
(uniform within each layer; drawn from the hidden seeds, so a re-score draws the same masks), so that the
choice of nodes can be judged apart from the choice of layer split.

Submission: one file, .npz or .json. NPZ: arrays named level_<s> (level_0.5, ...), each of shape
(2, {width}) with dtype bool or integer/float holding only 0 and 1 (row 0 = hidden layer 1, row 1 = hidden
layer 2, 1 = kept); read with allow_pickle=False, nothing else allowed inside. JSON:
{{"masks": {{"0.5": [[... {width} x 0/1 ...], [... {width} x 0/1 ...]], ...}}}}. Every level must be present
with its exact node count. A file holding only dense_parent = true (NPZ scalar or JSON field) is the
dense-parent reference entry. Size limit: 1 MiB.

Scores per level (over the split's seeds): test accuracy mean (acc_lXX) and standard deviation
(acc_std_lXX, ddof 1); difference from the mean of the random-mask distribution (diff_lXX); percentile of
the seed-mean accuracy among the random masks' seed-mean accuracies (pct_lXX, ties count half); gap to
the dense parent (gap_lXX, negative = worse); difference from the same-split reference's mean
(diff_split_lXX); convergence (conv_lXX: mean over seeds of the first epoch whose validation accuracy
reaches {config.convergence_fraction} of its final value); weight density
(wdens_lXX). Headline diff_vs_random = mean over levels of diff_lXX, with a {config.bootstrap_reps}-replicate
percentile bootstrap 95% interval (diff_ci_low, diff_ci_high; numpy default_rng(0)) resampling seeds
(paired between submission and reference) and random masks. diff_vs_same_split = mean over levels of
diff_split_lXX, with its interval (same_split_ci_low, same_split_ci_high) computed the same way:
diff_vs_random - diff_vs_same_split is what the layer split alone gains over a random split. Pareto axes:
x = weight_density (mean over levels), y = acc_mean (mean test accuracy over levels and seeds). The
dense-parent entry has no headline (n/a, nor any same-split metric): it is the reference, not a sparse
configuration.

Baselines: the dense parent; one uniformly random mask per level; random search ({config.search_candidates}
random masks per level, each trained {config.search_epochs} epochs from the initialisation of seed
{config.search_seed} on the public training split, the best by validation accuracy kept). Because every mask
is re-initialised from each hidden seed, and the parent's initial weights are independent and identically
distributed, all masks with the same layer split have the same expected accuracy: a search that picks nodes
on one initialisation can only gain through its layer split, and random search may land below the random
masks by seed noise alone.

Caveat: digits ships with scikit-learn, so the test images are the digits outside the public splits;
using them for the search is against the rules, and the training seeds stay hidden.
"""


def protocol_json(*, config: SearchConfig) -> dict[str, Any]:
    """protocol.json of the public bundle: every setting plus the derived node counts."""
    return {
        "protocol_version": PROTOCOL_VERSION,
        "config": config.as_dict(),
        "kept_nodes_per_level": {level_key(lv): config.kept_total(level=lv) for lv in config.levels},
        "parent_weight_count": config.weight_count(kept=config.hidden),
        "submission": {
            "npz_arrays": [f"level_{level_key(lv)}" for lv in config.levels],
            "json_fields": {"masks": [level_key(lv) for lv in config.levels]},
            "mask_shape": [2, config.hidden[0]],
            "max_bytes": 1024 * 1024,
        },
        "initialisation": "numpy default_rng([seed, 0]); W (fan_in, fan_out) then b (fan_out,) per layer, "
        "uniform [-1/sqrt(fan_in), 1/sqrt(fan_in)), float32; sub-networks slice the kept rows/columns",
        "data_order": "epoch e uses the e-th permutation drawn from numpy default_rng([seed, 1])",
        "description": protocol_text(config=config),
    }
