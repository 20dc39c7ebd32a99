"""The variable-tracking pieces of the wired weights: the VAR flag and the chain lookup's keys and query.

The lookup (layer 2) keys every position j with the window of the `vt_slots` tokens before it (one
projection per slot, as the induction keys: a window never matches its own query), and carries as
value the token `far_offset` back. The reply writes one name per line; while the model writes letter
i of a name, its window (its token and the `vt_slots - 1` before) holds the previous name (or the
queried value) at the slots where the window before j holds X in the context's "VAR Y = VAR X.", for
j = i + 1 tokens after X's last letter; the token `far_offset` back from that j is letter i of Y. A
line break of the reply asks for a "." at its slot (and penalises a space): that tells the statement
where X is the source from the one where X is assigned. `<answer>` asks for no line break at its
slot (the question's copies of the value end their line). Neither is matched as itself. The lookup
rests on the sink (whose value is zero) unless the VAR flag lowers the sink's logit.
"""

from __future__ import annotations

import string
from dataclasses import dataclass

import torch

from ..tokenizer import WordTokenizer
from .config import N_FEATURES, WiredConfig
from .roles import ResidualLayout

#: A line break of the reply asks for "." at its slot and penalises a space this many times as much.
SPACE_PENALTY = 2.0
#: Tokens whose embeddings are made orthonormal: the names' letters, digits, the marks' tokens, and the
#: chapter marker's (last, so that the others keep their embeddings).
CHAIN_TOKENS = tuple(string.ascii_uppercase) + tuple(string.digits) + (".", " ", "\n", "<answer>", "=")
CHAIN_TOKENS += ("Chapter", ":")


@dataclass(frozen=True)
class ChainParts:
    """What the weights share: n-gram projections, the lookup's projections, a few token embeddings."""

    proj: torch.Tensor
    vt_proj: torch.Tensor
    newline: torch.Tensor
    answer: torch.Tensor
    dot: torch.Tensor
    space: torch.Tensor
    var: torch.Tensor


def chain_parts(*, tokenizer: WordTokenizer, embed: torch.Tensor, proj: torch.Tensor,
                vt_proj: torch.Tensor) -> ChainParts:
    """The parts, with the embeddings of "\\n", ".", " " and of "VAR" plus " VAR"."""
    def row(token: str) -> torch.Tensor:
        """The embedding of one token."""
        return embed[tokenizer.token_id(token=token)]

    return ChainParts(proj=proj, vt_proj=vt_proj, newline=row("\n"), answer=row("<answer>"), dot=row("."),
                      space=row(" "),
                      var=row("VAR") + row(" VAR"))


def gate_query(*, parts: ChainParts, config: WiredConfig) -> tuple[torch.Tensor, float]:
    """(content bias, sink logit) of the flag head: it matches keys whose previous token is (" ")VAR."""
    return config.gate_strength * (parts.var @ parts.proj[0].T), config.gate_strength


def _marks(*, parts: ChainParts) -> tuple[torch.Tensor, torch.Tensor]:
    """The key's two marks of a window token: "." +1, " " -SPACE_PENALTY, line break -1; line break -1."""
    return parts.dot - SPACE_PENALTY * parts.space - parts.newline, -parts.newline


def chain_key(
    *, parts: ChainParts, config: WiredConfig, layout: ResidualLayout, d_model: int
) -> torch.Tensor:
    """[d_model, d_emb]: the key content. The first 2 `vt_slots` dims hold each window slot's two marks
    (exact on the orthonormal chain tokens); the others the window's tokens, each through its slot's
    projection."""
    n = config.vt_slots
    w = torch.zeros(d_model, config.d_emb)
    for m in range(n):
        rows = layout.token_slot(back=m + 1)
        w[rows, m], w[rows, n + m] = _marks(parts=parts)
        w[rows, 2 * n:] = parts.vt_proj[m][2 * n:].T
    return w


def chain_query(*, parts: ChainParts, config: WiredConfig, layout: ResidualLayout, d_model: int,
                first: bool) -> tuple[torch.Tensor, torch.Tensor]:
    """(W [d_model, d], bias [d]) of a lookup head, before the sqrt(d) scaling.

    Later lines (`first` False): window slot m against key slot m; a line break asks for a high first
    mark at its slot. The first line (after "VALUE<answer>", the value one token further than a name
    would be): slot m against key slot m + 1; <answer> asks for a "." at the next slot (a high first
    mark) and for no line break at its own (a high second mark: the question's copies of the value end
    their line). Line breaks and <answer> are not matched as themselves. The sink's logit is lowered by
    the VAR flag and, per phase, by the head's own line start (a line break, or <answer>)."""
    d, r, n = config.head_dim, config.rotary_dim, config.vt_slots
    content = r + N_FEATURES
    w, b = torch.zeros(d_model, d), torch.zeros(d)
    nl, ans = parts.newline, parts.answer
    start, shift = (ans, 1) if first else (nl, 0)
    keep = torch.eye(config.d_emb) - torch.outer(nl, nl) - torch.outer(ans, ans)
    strength = config.vt_beta * config.vt_dot
    for m in range(n):
        rows = layout.token_slot(back=m)
        if m + shift < n:
            w[rows, content + m + shift] = strength * start
            w[rows, content + 2 * n:] = config.vt_beta * keep @ parts.vt_proj[m + shift][2 * n:].T
        if first:
            w[rows, content + n + m] = strength * ans
        drops = config.vt_first_drop if first else config.vt_phase_drop
        if m < len(drops):
            w[rows, r] = -drops[m] * start
    b[r] = config.vt_sink
    w[layout.slot(name="flags").start, r] = -config.vt_flag_drop
    return w, b
