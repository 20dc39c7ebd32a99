"""Which head does what: the query and key roles of each layer, and the residual stream layout."""

from __future__ import annotations

from dataclasses import dataclass

from .chapters import CODE_WIDTH, KIND_WORDS, ROLES
from .config import FIND_HEADS, N_FEATURES, N_FLAGS, WiredConfig

#: Residual flags of the common-word heads: [after "</context>", the CWE gate is open, seen].
N_CWE_FLAGS = 3

#: Decoy query roles cycled into free query heads: the usual shapes of real models' heads.
DECOYS = ("sink", "vertical", "local", "slash", "wide")
#: The fixed offset of the slash decoys (a diagonal line of attention this many tokens back).
SLASH_OFFSET = 64


@dataclass(frozen=True)
class HeadRole:
    """One query head: `kind` (offset, far, induct, gate, vt, cwe_*, or a decoy shape), its arg.

    offset: attend `arg` tokens back and write that token into residual slot prev<arg> (layers 0, 1).
    far: attend `arg` tokens back and write that token into residual slot far.
    induct: match the n-gram ending `arg` tokens back against the KV head's n-gram keys; write the
    attended token into the answer slot.
    gate: attend the tokens right after "VAR" (else the sink); write 1 (else 0) into flag 0.
    vt: the chain lookup (chain.py) of the reply's later lines (arg 0) or of its first line, after the
    queried value (arg 1); writes the attended value into the answer slot.
    cwe_flag (arg 0: after the context, 1: the CWE gate), cwe_count, cwe_wrote, cwe_self, cwe_pick: the
    common-word heads of aggregate.py.
    chapter: attend the most recent token after a ":" (chapters.py); write its value's chapter code into
    slot chap and its kind-word match into slot kind.
    story: the story lookup (chapters.py); writes the attended token into the answer slot.
    hop_prev, hop_find (arg: the answer word 0-2 it serves), hop_item: the multihop heads (multihop.py); the
    first two write a chapter code into slot pchap or hop, the last the attended token into the answer
    slot.
    Every other kind writes into the decoy slot.
    """

    kind: str
    arg: int = 0


@dataclass(frozen=True)
class KeyRole:
    """One KV head: `kind` token (key = the token itself), ngram (key = the n-gram ending `arg` back),
    vt (key = the window of the token and the `vt_slots - 1` before it, value = the far slot), cwe
    (key = the list marks and the token, aggregate.py), story (key = chapters.story_key) or item
    (key = multihop.item_key). Layer 2's n-gram key ending 1 back also carries the chapter code in its
    value (chapters.marker_value); layer 3's cwe key the position's slot chap, the item key slot pchap."""

    kind: str
    arg: int = 0


@dataclass(frozen=True)
class ResidualLayout:
    """Slices of the residual stream: tok, feat, prev1..prevN, far, out (the answer readout), decoy, flags,
    the common-word slots hist, wrote, cwe_flags (aggregate.py), and the story slots chap (chapter
    code), kind (kind-word match), role (token roles; chapters.py), and the multihop slots pchap (the
    code of the chapter before the current one), hop (the code of the chapter before the queried item's
    purchase; multihop.py)."""

    d_emb: int
    n_prev: int

    def slot(self, *, name: str) -> slice:
        """The slice of slot `name` ("tok", "feat", "prev<k>", "far", "out", "decoy", "flags", ...)."""
        names = self.names
        if name not in names:
            raise ValueError(f"unknown residual slot {name!r}; slots: {names}")
        start = 0
        for current in names:
            width = self._width(name=current)
            if current == name:
                return slice(start, start + width)
            start += width
        raise AssertionError(name)

    @property
    def names(self) -> list[str]:
        """The slots in order."""
        prev = [f"prev{k}" for k in range(1, self.n_prev + 1)]
        story = ["chap", "kind", "role", "pchap", "hop"]
        return ["tok", "feat", *prev, "far", "out", "decoy", "flags", "hist", "wrote", "cwe_flags", *story]

    def _width(self, *, name: str) -> int:
        """The width of slot `name`."""
        widths = {"feat": N_FEATURES, "flags": N_FLAGS, "cwe_flags": N_CWE_FLAGS, "chap": CODE_WIDTH,
                  "kind": len(KIND_WORDS), "role": len(ROLES), "pchap": CODE_WIDTH, "hop": CODE_WIDTH}
        return widths.get(name, self.d_emb)

    def token_slot(self, *, back: int) -> slice:
        """The slot holding the token `back` positions before the current one (0: the token itself)."""
        return self.slot(name="tok" if back == 0 else f"prev{back}")

    @property
    def d_model(self) -> int:
        """Width of the residual stream."""
        return sum(self._width(name=name) for name in self.names)


def _fill(*, roles: list[HeadRole], count: int, start: int = 0) -> list[HeadRole]:
    """`roles` padded with decoys (cycled from `start`) to `count` heads."""
    out = list(roles)
    i = start
    while len(out) < count:
        kind = DECOYS[i % len(DECOYS)]
        out.append(HeadRole(kind=kind, arg=SLASH_OFFSET if kind == "slash" else 0))
        i += 1
    return out


def layer_roles(*, config: WiredConfig, layer: int) -> tuple[tuple[KeyRole, ...], tuple[HeadRole, ...]]:
    """(KV head roles, query head roles) of `layer`; query head h reads KV head h // group (GQA)."""
    g, kv = config.group, config.n_kv_heads
    if layer == 0:
        copies = [HeadRole(kind="offset", arg=d) for d in range(1, config.n_prev + 1)]
        flags = [HeadRole(kind="cwe_flag", arg=1), HeadRole(kind="cwe_self")]
        heads = _fill(roles=copies + [HeadRole(kind="local")] + flags, count=config.n_heads)
        return tuple(KeyRole(kind="token") for _ in range(kv)), tuple(heads)
    if layer == 1:
        keys = [KeyRole(kind="ngram", arg=1), KeyRole(kind="ngram", arg=3)]
        keys += [KeyRole(kind="token") for _ in range(kv - 2)]
        later = [HeadRole(kind="offset", arg=d) for d in range(config.n_prev + 1, config.n_back + 1)]
        # the chapter head needs the n-gram key ending 1 back (group 0); the positional copies read either
        extra = [[HeadRole(kind="gate"), HeadRole(kind="cwe_flag", arg=0), HeadRole(kind="chapter")],
                 [HeadRole(kind="far", arg=config.far_offset)] + later]
        heads = []
        for group, key in enumerate(keys):
            first = [HeadRole(kind="induct", arg=key.arg - 1)] if key.kind == "ngram" else []
            first += extra[group] if group < len(extra) else []
            heads += _fill(roles=first, count=g, start=2 * group + 2)
        return tuple(keys), tuple(heads)
    if layer == 2:
        keys = [KeyRole(kind="vt"), KeyRole(kind="cwe")] + [KeyRole(kind="token") for _ in range(kv - 2)]
        heads = _fill(roles=[HeadRole(kind="vt", arg=0), HeadRole(kind="vt", arg=1)], count=g)
        heads += [HeadRole(kind="cwe_count"), HeadRole(kind="cwe_wrote"), HeadRole(kind="hop_prev")]
        for group in range(1, kv):
            heads = _fill(roles=heads, count=(group + 1) * g, start=2 * group + 2)
        return tuple(keys), tuple(heads)
    if layer == 3:
        keys = [KeyRole(kind="cwe"), KeyRole(kind="item")] + [KeyRole(kind="token") for _ in range(kv - 2)]
        heads = [HeadRole(kind="cwe_pick")]
        for group in range(kv):
            finds = [HeadRole(kind="hop_find", arg=a) for a in range(FIND_HEADS)]
            first = heads + (finds if group == 1 else [])
            heads = _fill(roles=first, count=(group + 1) * g, start=2 * group + 2)
        return tuple(keys), tuple(heads)
    if layer == 4:
        keys = [KeyRole(kind="story")] + [KeyRole(kind="token") for _ in range(kv - 1)]
        heads = _fill(roles=[HeadRole(kind="story"), HeadRole(kind="hop_item")], count=g, start=1)
        for group in range(1, kv):
            heads = _fill(roles=heads, count=(group + 1) * g, start=2 * group + 2)
        return tuple(keys), tuple(heads)
    raise ValueError(f"layer must be 0, 1, 2, 3 or 4, got {layer}")
