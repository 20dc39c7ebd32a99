"""Which head does what: the query and key roles of each layer, and the residual stream layout."""

from __future__ import annotations

from dataclasses import dataclass

from .config import N_FEATURES, WiredConfig

#: Decoy query roles cycled into free query heads: the usual shapes of real models' heads.
DECOYS = ("sink", "vertical", "local", "slash", "wide")
#: The fixed offset of the slash decoys (a diagonal line of attention this many tokens back).
SLASH_OFFSET = 64


@dataclass(frozen=True)
class HeadRole:
    """One query head: `kind` (offset, induct, sink, vertical, local, slash, wide) and its argument.

    offset: attend `arg` tokens back and write that token into residual slot prev<arg>.
    induct: match the n-gram ending `arg` tokens back against the KV head's n-gram keys; write the
    attended token into the answer slot. Every other kind writes into the decoy slot.
    """

    kind: str
    arg: int = 0


@dataclass(frozen=True)
class KeyRole:
    """One KV head: `kind` token (key = the token itself) or ngram (key = the n-gram ending `arg` back)."""

    kind: str
    arg: int = 0


@dataclass(frozen=True)
class ResidualLayout:
    """Slices of the residual stream: tok, feat, prev1..prevN, out (the answer readout), decoy."""

    d_emb: int
    n_prev: int

    def slot(self, *, name: str) -> slice:
        """The slice of slot `name` ("tok", "feat", "prev<k>", "out" or "decoy")."""
        names = ["tok", "feat"] + [f"prev{k}" for k in range(1, self.n_prev + 1)] + ["out", "decoy"]
        if name not in names:
            raise ValueError(f"unknown residual slot {name!r}; slots: {names}")
        start = 0
        for current in names:
            width = N_FEATURES if current == "feat" else self.d_emb
            if current == name:
                return slice(start, start + width)
            start += width
        raise AssertionError(name)

    def token_slot(self, *, back: int) -> slice:
        """The slot holding the token `back` positions before the current one (0: the token itself)."""
        return self.slot(name="tok" if back == 0 else f"prev{back}")

    @property
    def d_model(self) -> int:
        """Width of the residual stream."""
        return (self.n_prev + 3) * self.d_emb + N_FEATURES


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
        heads = _fill(roles=copies + [HeadRole(kind="local")], count=config.n_heads)
        return tuple(KeyRole(kind="token") for _ in range(kv)), tuple(heads)
    if layer == 1:
        keys = [KeyRole(kind="ngram", arg=1), KeyRole(kind="ngram", arg=3)]
        keys += [KeyRole(kind="token") for _ in range(kv - 2)]
        heads = []
        for group, key in enumerate(keys):
            first = [HeadRole(kind="induct", arg=key.arg - 1)] if key.kind == "ngram" else []
            heads += _fill(roles=first, count=g, start=2 * group + 4)
        return tuple(keys), tuple(heads)
    raise ValueError(f"layer must be 0 or 1, got {layer}")
