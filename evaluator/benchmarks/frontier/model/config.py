"""The shape and temperatures of the wired retrieval model (a frozen config)."""

from __future__ import annotations

from dataclasses import dataclass

#: Feature dimensions of every head after the rotary part: is-<bos> (sinks) and is-break (".", "\n").
N_FEATURES = 2
#: Residual flags written by layer 2's task-gate head: [the prompt holds VAR statements, spare].
N_FLAGS = 2
#: Multihop find heads (multihop.py), one per answer word i (the item's kind i + 2 tokens back): one
#: alignment each, so that no head reads the item's words at the wrong key slots.
FIND_HEADS = 3


@dataclass(frozen=True)
class WiredConfig:
    """Layer and head shapes (GQA, partial rotary as in GPT-NeoX), retrieval temperature, weight seed.

    A head's dimensions are [rotary | features | content]: the first `rotary_dim` are rotated by RoPE
    and carry positions, the next two flag sinks and breaks, the last `d_emb` carry token embeddings.
    Layer 1 copies the `n_prev` previous tokens into each position; layer 2 matches `ngram`-token
    contexts, copies the tokens `n_prev + 1`..`vt_slots` and `far_offset` back, flags VAR statements and
    reads the number of the current chapter; layer 3 is the chain lookup of variable tracking
    (`vt_slots`-token windows, the token `far_offset` back as value) beside the common-word count and
    multihop's previous-chapter head; layer 4 picks the common words (aggregate.py) and finds a
    multihop item's purchase; layer 5 holds the story lookup (chapters.py) and multihop's item lookup
    (multihop.py). Layers are counted from 1 here, from 0 in code.
    `retrieval_beta` is the retrieval heads' inverse temperature per matching token (smaller spreads
    more attention over partial matches); `positional_scale` sharpens the fixed-offset heads.
    `vt_beta` is the chain lookup's inverse temperature per matching token, `vt_dot` the weight of
    "a '.' where the reply has a line break" (and -2x that for a space), `vt_sink` the lookup heads'
    sink logit, lowered by `vt_flag_drop` in a VAR prompt and by `vt_phase_drop[i]` while the model
    writes letter i + 1 of a name (its line's start i tokens back; `vt_first_drop` on the first line),
    `vt_gain` their output scale,
    `gate_strength` the logit of the flag head on tokens after "VAR" (and on the sink).
    `cwe_beta` is the common-word pick's inverse temperature on the list's word histogram (a word's
    logit is about cwe_beta * count / (list length + 3000)), `cwe_exclude` how far a word already
    written is pushed down,
    `cwe_seen` the pick's logit per unit of a word's `seen` flag (1 on its first occurrence, lower on
    each later one), `cwe_wrote_beta` the answer memory's preference for words of the list, `cwe_gain`
    the pick's output scale.
    Story retrieval (chapters.py): `chapter_strength` is the chapter head's logit on the token after a
    ":", `chapter_recency` the amplitude of its recency bias per slow frequency, `story_beta` the story
    lookup's inverse temperature per unit of role, `story_code_beta` per matching slot of the chapter
    number (a chapter sharing digits is a partial match), `story_sink` its sink
    logit (dropped by a kind word), `story_gain` its output scale.
    Story multihop (multihop.py): `hop_beta` is the item search's unit of logit (per word, verb and
    sink weight), `hop_code_beta` the header and item hops' logit per matching chapter-code slot.
    """

    n_layers: int = 5
    n_heads: int = 8
    n_kv_heads: int = 2
    head_dim: int = 128
    rotary_dim: int = 32
    rope_base: float = 10000.0
    n_prev: int = 5
    ngram: int = 3
    retrieval_beta: float = 6.0
    positional_scale: float = 16.0
    far_offset: int = 15
    vt_slots: int = 6
    vt_beta: float = 6.0
    vt_dot: float = 2.0
    vt_sink: float = 100.0
    vt_flag_drop: float = 40.0
    vt_phase_drop: tuple[float, ...] = (32.0, 40.0, 38.0)
    vt_first_drop: tuple[float, ...] = (40.0, 40.0, 36.0)
    vt_gain: float = 2.0
    gate_strength: float = 20.0
    chapter_strength: float = 90.0
    chapter_recency: float = 40.0
    story_beta: float = 8.0
    story_code_beta: float = 24.0
    story_sink: float = 120.0
    story_gain: float = 4.0
    hop_beta: float = 16.0
    hop_code_beta: float = 24.0
    cwe_beta: float = 200.0
    cwe_exclude: float = 200.0
    cwe_gain: float = 4.0
    cwe_seen: float = 80.0
    cwe_wrote_beta: float = 300.0
    seed: int = 20250413

    def __post_init__(self) -> None:
        """Check the shapes: GQA groups, an even rotary part, room for the n-grams."""
        for name in ("n_layers", "n_heads", "n_kv_heads", "head_dim", "rotary_dim", "n_prev", "ngram",
                     "far_offset", "vt_slots"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(f"{name} must be a positive int, got {value!r}")
        if self.n_layers != 5:
            raise ValueError(f"n_layers must be 5 (copy, retrieval, chain lookup and count, pick and the "
                             f"previous chapter, story lookups: multihop's third hop needs a fifth), got "
                             f"{self.n_layers}")
        if self.n_prev + 3 > self.n_heads:
            raise ValueError(f"layer 1 needs n_prev + 3 = {self.n_prev + 3} heads, got {self.n_heads}")
        if self.n_heads % self.n_kv_heads:
            raise ValueError(f"n_heads {self.n_heads} is not a multiple of n_kv_heads {self.n_kv_heads}")
        if self.n_kv_heads < 2 or self.group < 4:
            raise ValueError(f"need at least 2 KV heads of at least 4 query heads each, got "
                             f"{self.n_heads} query / {self.n_kv_heads} KV heads")
        if self.rotary_dim % 2 or self.rotary_dim + N_FEATURES + 16 > self.head_dim:
            raise ValueError(f"rotary_dim must be even and leave >= 16 content dims, got {self.rotary_dim}")
        if self.n_prev < self.ngram + 2:
            raise ValueError(f"n_prev {self.n_prev} must be at least ngram + 2 = {self.ngram + 2}")
        if not self.n_prev <= self.vt_slots < self.far_offset:
            raise ValueError(f"need n_prev <= vt_slots < far_offset, got {self.n_prev}, {self.vt_slots}, "
                             f"{self.far_offset}")
        if max(len(self.vt_phase_drop), len(self.vt_first_drop)) >= self.vt_slots:
            raise ValueError(f"vt_phase_drop needs fewer than vt_slots = {self.vt_slots} entries")
        scales = (self.retrieval_beta, self.positional_scale, self.vt_beta, self.vt_gain, self.gate_strength,
                  self.cwe_beta, self.cwe_exclude, self.cwe_gain, self.cwe_seen, self.cwe_wrote_beta,
                  self.chapter_strength, self.chapter_recency, self.story_beta, self.story_code_beta,
                  self.story_sink, self.story_gain, self.hop_beta, self.hop_code_beta)
        if min(scales) <= 0:
            raise ValueError(f"temperatures and gains must be positive, got retrieval_beta, positional_scale,"
                             f" vt_beta, vt_gain, gate_strength, cwe_beta, cwe_exclude, cwe_gain, cwe_seen,"
                             f" cwe_wrote_beta, chapter_strength, chapter_recency, story_beta,"
                             f" story_code_beta,"
                             f" story_sink, story_gain, hop_beta, hop_code_beta = {scales}")

    @property
    def n_back(self) -> int:
        """Residual slots prev1..prev<n_back>: layer 1 copies n_prev of them, layer 2 the rest."""
        return self.vt_slots

    @property
    def d_emb(self) -> int:
        """Token embedding width: the content dimensions of a head."""
        return self.head_dim - self.rotary_dim - N_FEATURES

    @property
    def group(self) -> int:
        """Query heads per KV head."""
        return self.n_heads // self.n_kv_heads
