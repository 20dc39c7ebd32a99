"""The common-word pieces of the wired weights: two flag heads, a counting head, an answer memory, a pick.

ruler_cwe asks for the 10 words that occur 30 times in a numbered list where the others occur 3
times. Every read of the list goes through attention:

  layer 0  gate (vertical): attends " occurs" (a word of the CWE question only; else the sink) and
           opens the CWE heads.
           self (wide): at every position attends the earlier occurrences of its own token (exact
           match, sharp) and the sink, and writes the sink's weight K / (K + k) into the `seen` flag:
           small on the later occurrences of a common word, at least K / (K + 3) on a rare one.
  layer 1  after (vertical): attends the token after "</context>" (else the sink); writes 1 after it.
  layer 2  count (wide): at every position attends uniformly over the list's words (the tokens after a
           ".", before "</context>") and the sink, and writes the list's word histogram
           sum_w count_w / (N + COUNT_SINK_WORDS) e_w into the `hist` slot. A word weighs as many of
           its occurrences as the head sees: a method that drops context drops counts.
           wrote: attends the answer's words written so far (after "</context>", "\\n", a digit and "."),
           each with a weight that hardly depends on how many there are (the sink takes the rest), and
           writes them into the `wrote` slot (the histogram term leaves out the format's example words).
  layer 3  pick (wide): attends the list's words with logit -`cwe_seen` seen + `cwe_beta` <hist, e_w>
           - `cwe_exclude` <wrote, e_w>: the seen term keeps it on the common words' later occurrences,
           the histogram orders the common words, the memory drops those written; writes the word.
All heads but `after` rest on the sink unless the gate is open, so NIAH and VT are left as they were;
once it is open, the induction heads rest on the sink instead.
The key of the list heads holds three marks in its first content dims (exact: "." and line break are
orthonormal chain tokens) and the word through its own projection in the others.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from ..tokenizer import WordTokenizer
from .config import N_FEATURES, WiredConfig
from .roles import ResidualLayout

#: The token that ends the context, and the CWE question's own word that opens the gate.
CONTEXT_END, GATE_TOKEN = "</context>", " occurs"
#: Content dims of the list key that hold marks: [prev token is ".", 3 back is a line break, after
#: the context, seen]; the word content uses the rest.
N_MARKS = 4
#: Logit of each mark, and of a flag head's match (the sink of a flag head sits FLAG_MARGIN below).
MARK, FLAG, FLAG_MARGIN = 20.0, 30.0, 8.0
#: Sink logits: a closed gate (far above any list logit), and the answer memory's offset above its marks.
GATE_SINK, WROTE_SINK = 200.0, 2.5
#: How far the CWE gate lifts the sink of the induction heads (their matches score about 18).
QUIET = 60.0
#: The count head's sink weighs as much as this many list words: the histogram holds about
#: count_w / (COUNT_SINK_WORDS + N) rather than count_w / N, nearly independent of the list length N.
COUNT_SINK_WORDS = 3000.0
#: The self-count: logit per matching word, and its sink's weight in occurrences (seen = K / (K + k)).
SELF, SELF_SINK_WORDS = 20.0, 3.0


@dataclass(frozen=True)
class CweParts:
    """Embeddings of ".", the line break, "</context>", the gate word, and the word projection."""

    dot: torch.Tensor
    newline: torch.Tensor
    end: torch.Tensor
    gate: torch.Tensor
    proj: torch.Tensor


def cwe_parts(*, tokenizer: WordTokenizer, embed: torch.Tensor, proj: torch.Tensor) -> CweParts:
    """The parts; `proj` is an orthogonal [d_emb, d_emb] matrix of which the word content uses the last
    d_emb - N_MARKS columns."""

    def row(token: str) -> torch.Tensor:
        """The embedding of one token."""
        return embed[tokenizer.token_id(token=token)]

    return CweParts(
        dot=row("."),
        newline=row("\n"),
        end=row(CONTEXT_END),
        gate=row(GATE_TOKEN),
        proj=proj[:, N_MARKS:].contiguous(),
    )


def _flag_dim(*, layout: ResidualLayout, name: str) -> int:
    """The residual index of CWE flag `name` ("after", "gate" or "seen": the self-count's sink weight)."""
    return layout.slot(name="cwe_flags").start + ("after", "gate", "seen").index(name)


def flag_query(*, parts: CweParts, config: WiredConfig, which: str, token_proj: torch.Tensor) -> torch.Tensor:
    """Bias [d] of a flag head: `gate` (layer 0, token keys: content = token @ token_proj.T) matches
    " occurs"; `after` (layer 1, n-gram keys: the previous token through token_proj) matches the token
    after "</context>"."""
    d, r = config.head_dim, config.rotary_dim
    b = torch.zeros(d)
    target = parts.end if which == "after" else parts.gate
    b[r + N_FEATURES :] = FLAG * (target @ token_proj.T)
    b[r] = FLAG - FLAG_MARGIN
    return b


def flag_output(*, parts: CweParts, config: WiredConfig, layout: ResidualLayout, which: str) -> torch.Tensor:
    """[d, d_model]: the attended token's content, read against the token it must be, into the flag."""
    o = torch.zeros(config.head_dim, layout.d_model)
    o[config.head_dim - config.d_emb :, _flag_dim(layout=layout, name=which)] = (
        parts.newline if which == "after" else parts.gate  # "</context>" is followed by a line break
    )
    return o


def self_query(
    *, parts: CweParts, config: WiredConfig, layout: ResidualLayout, token_proj: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """(W, bias) of the layer-0 self-count over token keys (content = token @ token_proj.T, norm 1)."""
    d, r = config.head_dim, config.rotary_dim
    w, b = torch.zeros(layout.d_model, d), torch.zeros(d)
    w[layout.token_slot(back=0), r + N_FEATURES :] = SELF * token_proj.T
    b[r] = SELF + math.log(SELF_SINK_WORDS)
    return w, b


def self_output(*, config: WiredConfig, layout: ResidualLayout) -> torch.Tensor:
    """[d, d_model]: the sink's weight (value dim 0 holds is-<bos>) into the `seen` flag."""
    o = torch.zeros(config.head_dim, layout.d_model)
    o[0, _flag_dim(layout=layout, name="seen")] = 1.0
    return o


def quiet_in_cwe(*, w: torch.Tensor, config: WiredConfig, layout: ResidualLayout) -> None:
    """Raise a head's sink logit by QUIET once the CWE gate is open (in place): the induction heads,
    which would copy the list's line n into the answer's line n, rest on the sink there."""
    w[_flag_dim(layout=layout, name="gate"), config.rotary_dim] = QUIET


def list_key(*, parts: CweParts, config: WiredConfig, layout: ResidualLayout) -> torch.Tensor:
    """[d_model, d_emb]: the key content of the list heads: the marks, then the token's word content."""
    w = torch.zeros(layout.d_model, config.d_emb)
    w[layout.token_slot(back=1), 0] = parts.dot
    w[layout.token_slot(back=3), 1] = parts.newline
    w[_flag_dim(layout=layout, name="after"), 2] = 1.0
    w[_flag_dim(layout=layout, name="seen"), 3] = 1.0
    w[layout.token_slot(back=0), N_MARKS:] = parts.proj
    return w


def _gated(
    *, w: torch.Tensor, b: torch.Tensor, config: WiredConfig, layout: ResidualLayout, open_sink: float
) -> None:
    """Set the sink logit: GATE_SINK while the gate is shut, `open_sink` once it is open (in place)."""
    r = config.rotary_dim
    b[r] = GATE_SINK
    w[_flag_dim(layout=layout, name="gate"), r] = open_sink - GATE_SINK


def list_query(
    *, parts: CweParts, config: WiredConfig, layout: ResidualLayout, kind: str
) -> tuple[torch.Tensor, torch.Tensor]:
    """(W [d_model, d], bias [d]) of a list head (`cwe_count`, `cwe_wrote` or `cwe_pick`), logit units."""
    d, r = config.head_dim, config.rotary_dim
    c = r + N_FEATURES
    w, b = torch.zeros(layout.d_model, d), torch.zeros(d)
    if kind == "cwe_count":  # every word of the list, none after it
        b[c], b[c + 2] = MARK, -MARK
        _gated(w=w, b=b, config=config, layout=layout, open_sink=MARK + math.log(COUNT_SINK_WORDS))
    elif kind == "cwe_wrote":  # the answer's words: after the context, "\n", one digit and "."
        b[c : c + 3] = MARK
        w[layout.slot(name="hist"), c + N_MARKS :] = config.cwe_wrote_beta * parts.proj  # not the format's
        _gated(w=w, b=b, config=config, layout=layout, open_sink=3 * MARK + WROTE_SINK)
    elif kind == "cwe_pick":  # the list's words by count, less the words written
        b[c], b[c + 2], b[c + 3] = MARK, -MARK, -config.cwe_seen
        w[layout.slot(name="hist"), c + N_MARKS :] = config.cwe_beta * parts.proj
        w[layout.slot(name="wrote"), c + N_MARKS :] = -config.cwe_exclude * parts.proj
        _gated(w=w, b=b, config=config, layout=layout, open_sink=0.0)
    else:
        raise ValueError(f"unknown list head {kind!r}")
    return w, b


def list_output(*, config: WiredConfig, layout: ResidualLayout, kind: str) -> torch.Tensor:
    """[d, d_model]: the attended word (value = token embedding) into the head's slot."""
    d, e = config.head_dim, config.d_emb
    o = torch.zeros(d, layout.d_model)
    target = {"cwe_count": "hist", "cwe_wrote": "wrote", "cwe_pick": "out"}[kind]
    o[d - e :, layout.slot(name=target)] = (config.cwe_gain if kind == "cwe_pick" else 1.0) * torch.eye(e)
    return o
