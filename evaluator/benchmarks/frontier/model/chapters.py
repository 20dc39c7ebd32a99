"""The story-retrieval pieces of the wired weights: the chapter head (layer 2) and the story lookup (layer 5).

Chapter head (layer 2, on the KV head of the n-gram keys ending one token back): it attends to the
most recent position whose previous token is ":" (in a story, the line break after "Chapter N:"; in a
reply, the kind word after the harness's "Chapter N:"), with a recency bias from the slow rotary
frequencies. That KV head's value carries, in its otherwise unused first `CODE_WIDTH` dimensions, a
one-hot code of the three tokens before the ":" (each a digit or "none": a space or "Chapter"), so the
head writes the number of the chapter a token stands in into the residual slot "chap", and the kind
word it attended to (place, person, item) into the slot "kind".

Story lookup (layer 5, on its own KV head): the key of a token holds its chapter code, its role
(a place, a person, the adjective, material or kind word of an item; from the token table `ROLES`),
whether an item word follows "the" and a purchase verb (an item bought, not sold), and the token
before it. The query of a reply position asks for its chapter (one unit of `story_beta` per matching
code slot: a chapter that shares digits is a partial-match distractor), for the role that its kind
and its place in the answer line ask for (the item's three words in turn, each continuing the word
written before), and rests on the sink (zero value) unless the kind slot holds a kind word.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from ..lexicon import lexicon_load
from ..tokenizer import WordTokenizer
from .config import WiredConfig

#: Code symbols of one slot: the ten digits and "none" (a space or "Chapter"); three slots.
CODE_SYMBOLS, CODE_SLOTS = 11, 3
CODE_WIDTH = CODE_SYMBOLS * CODE_SLOTS
#: Token roles written by the embedding into the residual slot "role".
ROLES = ("place", "person", "adjective", "material", "kind")
#: The kind words the harness writes after "Chapter N:" in a reply, in kind-slot order.
KIND_WORDS = ("place", "person", "item")
#: Words right before "the <item>" in a purchase sentence (never in a sale: sold, wanted, with).
PURCHASE_VERBS = ("bought", "for", "sell", "purchased", "took")
#: Weights of the rotary frequencies (fastest first) in the chapter head's recency bias, from a linear
#: program: at most 1 (per unit of `chapter_recency`) between 0 and 200 tokens back, and as large a gap as
#: it could (0.22) both between a reply's cue (up to 7 back) and the one before (10 or more further) and
#: between the last chapter marker (up to 200 back) and the one before it (125 or more further).
RECENCY_WEIGHTS = (0.012, 0.0, 0.02, 0.088, 0.106, 0.049, 0.078, 0.0, 0.0, 0.0, 1.224, 5.0, 5.0, 5.0, 5.0,
                   5.0)
#: Content dimensions of the story key: code, roles (an item word's also counts its purchase context),
#: then the previous token.
_ROLE0 = CODE_WIDTH
_PREV0 = _ROLE0 + len(ROLES)
#: The story query's weight on a place or a person (per `story_beta`), against at most 3 for the
#: adjective of a bought item that the answer's first word also asks for.
_NAME_WEIGHT = 4.0


@dataclass(frozen=True)
class StoryParts:
    """Embedding directions the story heads use (rows of the token embeddings)."""

    code: torch.Tensor
    marker: torch.Tensor
    colon: torch.Tensor
    kinds: torch.Tensor
    dot: torch.Tensor
    the: torch.Tensor
    verbs: torch.Tensor
    prev_proj: torch.Tensor


def _row(*, tokenizer: WordTokenizer, embed: torch.Tensor, token: str) -> torch.Tensor:
    """The embedding of one token."""
    return embed[tokenizer.token_id(token=token)]


def story_parts(*, tokenizer: WordTokenizer, embed: torch.Tensor, proj: torch.Tensor) -> StoryParts:
    """The parts: the digit/none code map [d_emb, 11], ":", the kind words [d_emb, 3], ".", "the", the
    purchase verbs (spaced), and the previous-token projection (rows of `proj`, rescaled)."""
    def row(token: str) -> torch.Tensor:
        """The embedding of one token."""
        return _row(tokenizer=tokenizer, embed=embed, token=token)

    marker = torch.stack([row(str(d)) for d in range(10)] + [row(" "), row("Chapter")], dim=1)
    code = torch.cat((marker[:, :10], marker[:, 10:].sum(dim=1, keepdim=True)), dim=1)
    kinds = torch.stack([row(" " + k) for k in KIND_WORDS], dim=1)
    width = embed.shape[1] - _PREV0
    prev_proj = proj[:width] * (embed.shape[1] / width) ** 0.5
    return StoryParts(code=code, marker=marker, colon=row(":"), kinds=kinds, dot=row("."), the=row(" the"),
                      verbs=sum(row(" " + v) for v in PURCHASE_VERBS), prev_proj=prev_proj)


def role_table(*, tokenizer: WordTokenizer) -> torch.Tensor:
    """[V, len(ROLES)]: 1 where a token (with or without its leading space) is a place, a person, or an
    adjective, material or kind word of an item (the shipped lists)."""
    lex = lexicon_load()
    table = torch.zeros(tokenizer.vocab_size, len(ROLES))
    for column, words in enumerate((lex.places, lex.names, lex.item_adjectives, lex.item_materials,
                                    lex.item_kinds)):
        for word in words:
            for token in (word, " " + word):
                table[tokenizer.token_id(token=token), column] = 1.0
    return table


def marker_value(*, parts: StoryParts, layout, d_model: int) -> torch.Tensor:
    """[d_model, CODE_WIDTH]: the value code of the tokens 2, 3 and 4 back (one slot each)."""
    v = torch.zeros(d_model, CODE_WIDTH)
    for s in range(CODE_SLOTS):
        v[layout.token_slot(back=2 + s), s * CODE_SYMBOLS:(s + 1) * CODE_SYMBOLS] = parts.code
    return v


def chapter_query(*, parts: StoryParts, config: WiredConfig, proj: torch.Tensor) -> torch.Tensor:
    """Bias [d] of the chapter head (logit units): ":" one token back, plus the recency bump.

    The n-gram key also holds the tokens 2 and 3 back (through `proj[1]`, `proj[2]`); the content query
    is made orthogonal to those of the marker's tokens (digits, space, "Chapter"), so that the number
    in front of a ":" does not change the head's logit on it (one unit on a ":" one back)."""
    d, r = config.head_dim, config.rotary_dim
    b = torch.zeros(d)
    b[:r // 2] = config.chapter_recency * recency_weights(rotary_dim=r)
    target = (parts.colon @ proj[0].T).to(torch.float64)
    others = torch.cat([(parts.marker.T @ proj[o].T).to(torch.float64) for o in (1, 2)]).T
    basis, _ = torch.linalg.qr(others)
    q = target - basis @ (basis.T @ target)
    b[r + 2:] = (config.chapter_strength * q / (q @ target)).to(torch.float32)
    return b


def recency_weights(*, rotary_dim: int) -> torch.Tensor:
    """RECENCY_WEIGHTS for `rotary_dim` (16 frequencies); ValueError for another rotary size."""
    if rotary_dim // 2 != len(RECENCY_WEIGHTS):
        raise ValueError(f"the chapter head's recency needs rotary_dim {2 * len(RECENCY_WEIGHTS)}, got "
                         f"{rotary_dim}")
    return torch.tensor(RECENCY_WEIGHTS)


def chapter_output(*, parts: StoryParts, layout, config: WiredConfig) -> torch.Tensor:
    """[d, d_model]: the value's code into slot "chap", its token's kind-word match into slot "kind"."""
    d, e = config.head_dim, config.d_emb
    o = torch.zeros(d, layout.d_model)
    o[:CODE_WIDTH, layout.slot(name="chap")] = torch.eye(CODE_WIDTH)
    o[d - e:, layout.slot(name="kind")] = parts.kinds
    return o


def story_key(*, parts: StoryParts, layout, d_model: int, d_emb: int) -> torch.Tensor:
    """[d_model, d_emb]: the key content of the story lookup (see the module docstring)."""
    w = torch.zeros(d_model, d_emb)
    w[layout.slot(name="chap"), :CODE_WIDTH] = torch.eye(CODE_WIDTH)
    w[layout.slot(name="role"), _ROLE0:_PREV0] = torch.eye(len(ROLES))
    for word in range(3):  # the item's word `word`: "the" word + 1 back, the verb word + 2 back
        w[layout.token_slot(back=word + 1), _ROLE0 + 2 + word] = parts.the
        w[layout.token_slot(back=word + 2), _ROLE0 + 2 + word] = parts.verbs
    w[layout.token_slot(back=1), _PREV0:] = parts.prev_proj.T
    return w


def story_query(*, parts: StoryParts, config: WiredConfig, layout, d_model: int) -> tuple[torch.Tensor,
                                                                                           torch.Tensor]:
    """(W [d_model, d], bias [d]) of the story lookup, logit units (see the module docstring)."""
    d, r = config.head_dim, config.rotary_dim
    c = r + 2  # content starts after the rotary part and the two features
    w, b = torch.zeros(d_model, d), torch.zeros(d)
    beta = config.story_beta
    w[layout.slot(name="chap"), c:c + CODE_WIDTH] = config.story_code_beta * torch.eye(CODE_WIDTH)
    kind = layout.slot(name="kind")
    place, person, item = kind.start, kind.start + 1, kind.start + 2
    w[place, c + _ROLE0] = _NAME_WEIGHT * beta
    w[person, c + _ROLE0 + 1] = _NAME_WEIGHT * beta
    for word in range(3):
        w[item, c + _ROLE0 + 2 + word] = beta
        w[layout.token_slot(back=word), c + _ROLE0 + 2 + word] = beta * parts.dot  # the word's place
    keep = torch.eye(config.d_emb) - torch.outer(parts.dot, parts.dot)
    w[layout.token_slot(back=0), c + _PREV0:] = beta * keep @ parts.prev_proj.T
    b[r] = config.story_sink
    w[kind, r] = -config.story_sink
    return w, b
