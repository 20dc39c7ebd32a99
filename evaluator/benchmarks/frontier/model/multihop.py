"""The story-multihop pieces of the wired weights: three reads of the context, each through attention.

The harness writes "Before X<answer>" (X: the item of the question, three words) and the model writes
the answer's three words. At the answer's word i, `<answer>` stands i + 1 tokens back and X's words
right before it. Layers are counted from 1, as in config.py.

Previous chapter (layer 3, on the common-word KV head, whose key holds the token itself): at every
position, attend the most recent ":" (the chapter head's recency bias, chapters.py). At the ":" of a
"Chapter N:" line the chapter head still reads the previous chapter's marker, so its slot "chap" holds
the code of chapter N - 1; that KV head's value carries slot "chap" in its otherwise unused first
`CODE_WIDTH` dimensions, and the head writes it into slot "pchap": inside chapter N, the code of N - 1.

Find (layer 4, its own KV head "item"): the key of a position holds, each in its own dimensions, which
item kind it is, which material the token before it is, which adjective the one before that, and
whether a purchase verb stands before "the" (exact on the listed words: dual bases of their
embeddings; a sale verb counts against). The query asks for X's three words and a purchase, so X's
purchase wins over X in the question, in the reply or in a sale; the value carries slot "pchap" and the
head writes the code of the chapter before X's into slot "hop". Three heads, one per answer word i, read
X where it stands then; each rests on the sink unless `<answer>` stands i + 1 tokens back.

Item (layer 5, on the story lookup's KV head): as the story lookup, with slot "hop" as the chapter, the
item's word i asked for by the `<answer>` i + 1 tokens back, and the word just written; it rests on the
sink unless slot "hop" holds a code. The find heads' and the item head's sinks gate every other task.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from ..lexicon import lexicon_load
from ..tokenizer import WordTokenizer
from .aggregate import N_MARKS
from .chapters import _PREV0, _ROLE0, CODE_SLOTS, CODE_WIDTH, StoryParts, recency_weights
from .config import N_FEATURES, WiredConfig

#: Words two tokens before an item (before "the"): a purchase (+1), a sale (-1), the question or the reply.
_VERB_TARGETS = {" bought": 1.0, " for": 1.0, " sell": 1.0, " purchased": 1.0, " took": 1.0,
                 " sold": -1.0, " wanted": -1.0, " with": -1.0, " buying": 0.0, "\n": 0.0}
#: Find, in units of `hop_beta`: each of X's words, a purchase verb, the sink in phase (between X's
#: purchase, 3 words + verb = 11, and X elsewhere or an item sharing two words and bought, at most 9).
FIND_WORD, FIND_VERB, FIND_SINK = 3.0, 2.0, 10.0
#: How far the sink of a find head rises out of its phase (units of `hop_beta`).
FIND_PHASE = 12.0
#: Logit of a ":" for the previous-chapter head (as the chapter head's `chapter_strength`).
COLON_STRENGTH = 90.0


@dataclass(frozen=True)
class HopParts:
    """Directions the hops use: `<answer>`, ":" through the common-word projection, the item words' dual
    maps (kind, material, adjective: embedding -> one-hot), the verb direction, the line break and "."."""

    answer: torch.Tensor
    colon: torch.Tensor
    words: tuple[torch.Tensor, ...]
    verb: torch.Tensor
    newline: torch.Tensor
    dot: torch.Tensor


def _dual(rows: torch.Tensor) -> torch.Tensor:
    """[n, d]: the map that sends each of the n embeddings `rows` to its one-hot (exact, least norm)."""
    r = rows.to(torch.float64)
    return torch.linalg.solve(r @ r.T, r).to(torch.float32)


def hop_parts(*, tokenizer: WordTokenizer, embed: torch.Tensor, cwe_proj: torch.Tensor) -> HopParts:
    """The parts, from the shipped item lists (spaced words, as the story writes them)."""
    lex = lexicon_load()

    def rows(words) -> torch.Tensor:
        """The embeddings of `words`."""
        return torch.stack([embed[tokenizer.token_id(token=w)] for w in words])

    words = tuple(_dual(rows([" " + w for w in ws]))
                  for ws in (lex.item_kinds, lex.item_materials, lex.item_adjectives))
    verb = _dual(rows(list(_VERB_TARGETS))).T @ torch.tensor(list(_VERB_TARGETS.values()))
    target = rows([":"])[0] @ cwe_proj
    return HopParts(answer=rows(["<answer>"])[0], colon=target / (target @ target), words=words, verb=verb,
                    newline=rows(["\n"])[0], dot=rows(["."])[0])


def item_width(parts: HopParts) -> int:
    """Content dimensions of the item key: the three word one-hots, then the verb."""
    return sum(w.shape[0] for w in parts.words) + 1


def item_key(*, parts: HopParts, layout, d_model: int, d_emb: int) -> torch.Tensor:
    """[d_model, d_emb]: kind of the token, material of the one before, adjective of the one before that,
    the verb two before that (see the module docstring)."""
    w = torch.zeros(d_model, d_emb)
    start = 0
    for back, dual in enumerate(parts.words):
        w[layout.token_slot(back=back), start:start + dual.shape[0]] = dual.T
        start += dual.shape[0]
    w[layout.token_slot(back=4), start] = parts.verb
    return w


def find_query(*, parts: HopParts, config: WiredConfig, layout, d_model: int,
               head: int) -> tuple[torch.Tensor, torch.Tensor]:
    """(W [d_model, d], bias [d]) of find head `head` (logit units), against `item_key`."""
    d, r = config.head_dim, config.rotary_dim
    c = r + N_FEATURES
    w, b = torch.zeros(d_model, d), torch.zeros(d)
    beta = config.hop_beta
    start = c
    for back, dual in enumerate(parts.words):  # X's kind 2 + head tokens back, then material, adjective
        n = dual.shape[0]
        w[layout.token_slot(back=2 + head + back), start:start + n] = FIND_WORD * beta * dual.T
        start += n
    w[layout.token_slot(back=1 + head), r] = -FIND_PHASE * beta * parts.answer
    b[c + item_width(parts) - 1] = FIND_VERB * beta
    b[r] = (FIND_SINK + FIND_PHASE) * beta
    return w, b


def previous_query(*, parts: HopParts, config: WiredConfig) -> torch.Tensor:
    """Bias [d] of the previous-chapter head (logit units): ":" through the common-word key, the recency."""
    d, r = config.head_dim, config.rotary_dim
    b = torch.zeros(d)
    b[:r // 2] = config.chapter_recency * recency_weights(rotary_dim=r)
    b[r + N_FEATURES + N_MARKS:] = COLON_STRENGTH * parts.colon
    return b


def code_value(*, layout, d_model: int, slot: str) -> torch.Tensor:
    """[d_model, CODE_WIDTH]: the chapter code in slot `slot` ("chap", "pchap") for a value's first dims."""
    v = torch.zeros(d_model, CODE_WIDTH)
    v[layout.slot(name=slot)] = torch.eye(CODE_WIDTH)
    return v


def item_query(*, parts: HopParts, story: StoryParts, config: WiredConfig, layout,
               d_model: int) -> tuple[torch.Tensor, torch.Tensor]:
    """(W, bias) of the item head (logit units), against the story lookup's key (chapters.story_key)."""
    d, r = config.head_dim, config.rotary_dim
    c = r + N_FEATURES
    w, b = torch.zeros(d_model, d), torch.zeros(d)
    beta = config.story_beta
    hop = layout.slot(name="hop")
    w[hop, c:c + CODE_WIDTH] = config.hop_code_beta * torch.eye(CODE_WIDTH)
    for word in range(3):  # adjective, material, kind: <answer> 1, 2, 3 tokens back
        w[layout.token_slot(back=1 + word), c + _ROLE0 + 2 + word] = beta * parts.answer
    keep = torch.eye(config.d_emb) - torch.outer(parts.dot, parts.dot) - torch.outer(parts.newline,
                                                                                      parts.newline)
    w[layout.token_slot(back=0), c + _PREV0:] = beta * keep @ story.prev_proj.T
    b[r] = config.story_sink
    w[hop, r] = -config.story_sink / CODE_SLOTS
    return w, b


def hop_output(*, config: WiredConfig, layout, slot: str) -> torch.Tensor:
    """[d, d_model]: a head's value code (first CODE_WIDTH dims) into slot `slot`."""
    o = torch.zeros(config.head_dim, layout.d_model)
    o[:CODE_WIDTH, layout.slot(name=slot)] = torch.eye(CODE_WIDTH)
    return o
