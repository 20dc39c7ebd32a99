"""The wired weights: token embeddings from the tokenizer and each head's projections, by construction."""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from ..tokenizer import WordTokenizer
from .aggregate import (
    CweParts,
    cwe_parts,
    flag_output,
    flag_query,
    list_key,
    list_output,
    list_query,
    quiet_in_cwe,
    self_output,
    self_query,
)
from .chain import CHAIN_TOKENS, ChainParts, chain_key, chain_parts, chain_query, gate_query
from .chapters import (
    CODE_WIDTH,
    StoryParts,
    chapter_output,
    chapter_query,
    marker_value,
    role_table,
    story_key,
    story_parts,
    story_query,
)
from .config import N_FEATURES, WiredConfig
from .multihop import (
    HopParts,
    code_value,
    find_query,
    hop_output,
    hop_parts,
    item_key,
    item_query,
    previous_query,
)
from .roles import HeadRole, KeyRole, ResidualLayout, layer_roles
from .rope import rope_frequencies, rope_offset_key, rope_offset_query

#: Query strengths of the decoy heads (logit units before the 1/sqrt(d) of attention).
SINK_STRENGTH, VERTICAL_STRENGTH, LOCAL_STRENGTH = 24.0, 6.0, 4.0


@dataclass(frozen=True)
class LayerWeights:
    """One layer: q, k, v maps side by side [d_model, (H + 2 Hkv) d], their bias, the output map [H d, m]."""

    w_qkv: torch.Tensor
    b_qkv: torch.Tensor
    w_out: torch.Tensor

    def to(self, device: torch.device | str) -> LayerWeights:
        """The same weights on `device`."""
        return LayerWeights(
            w_qkv=self.w_qkv.to(device), b_qkv=self.b_qkv.to(device), w_out=self.w_out.to(device)
        )


def layer_weights_from_heads(
    *, wq: torch.Tensor, bq: torch.Tensor, wk: torch.Tensor, bk: torch.Tensor, wv: torch.Tensor,
    wo: torch.Tensor,
) -> LayerWeights:
    """LayerWeights from per-head maps: wq [H, m, d], bq [H, d], wk and wv [Hkv, m, d], bk, wo [H, d, m]."""
    w_qkv = torch.cat([w.permute(1, 0, 2).flatten(1) for w in (wq, wk, wv)], dim=1).contiguous()
    b_qkv = torch.cat((bq.flatten(), bk.flatten(), torch.zeros(wv.shape[0] * wv.shape[2])))
    return LayerWeights(w_qkv=w_qkv, b_qkv=b_qkv, w_out=wo.flatten(0, 1).contiguous())


@dataclass(frozen=True)
class WiredWeights:
    """Embeddings [V, d_emb], token features [V, 2], token roles [V, 5], the layers, the residual layout."""

    embed: torch.Tensor
    features: torch.Tensor
    roles: torch.Tensor
    layers: tuple[LayerWeights, ...]
    layout: ResidualLayout

    def to(self, device: torch.device | str) -> WiredWeights:
        """The same weights on `device` (the layout holds no tensor)."""
        return WiredWeights(embed=self.embed.to(device), features=self.features.to(device),
                            roles=self.roles.to(device), layers=tuple(lw.to(device) for lw in self.layers),
                            layout=self.layout)  # fmt: skip


def _orthogonal(*, n: int, count: int, gen: torch.Generator) -> torch.Tensor:
    """`count` random orthogonal n x n matrices (QR of seeded Gaussians, signs fixed)."""
    mats = []
    for _ in range(count):
        q, r = torch.linalg.qr(torch.randn(n, n, generator=gen, dtype=torch.float64))
        mats.append(q * torch.sign(torch.diagonal(r))[None, :])
    return torch.stack(mats).to(torch.float32)


def token_tables(*, tokenizer: WordTokenizer, config: WiredConfig) -> tuple[torch.Tensor, torch.Tensor]:
    """(embeddings: seeded random unit rows [V, d_emb], the chain tokens made orthonormal, <bos> zero;
    features: is-<bos>, is-break [V, 2])."""
    gen = torch.Generator().manual_seed(config.seed)
    embed = torch.randn(tokenizer.vocab_size, config.d_emb, generator=gen, dtype=torch.float64)
    embed = (embed / embed.norm(dim=1, keepdim=True)).to(torch.float32)
    ids = [i for t in CHAIN_TOKENS for i in tokenizer.encode(text=t)]  # one token each
    q, r = torch.linalg.qr(embed[ids].T.to(torch.float64))
    embed[ids] = (q * torch.sign(torch.diagonal(r))[None, :]).T.to(torch.float32)
    embed[tokenizer.token_id(token="<bos>")] = 0.0  # the sink carries no token: heads that rest on it add 0
    features = torch.zeros(tokenizer.vocab_size, N_FEATURES)
    features[tokenizer.token_id(token="<bos>"), 0] = 1.0
    for brk in ("\n", "."):
        features[tokenizer.token_id(token=brk), 1] = 1.0
    return embed, features


def _local_query(*, config: WiredConfig) -> torch.Tensor:
    """Rotary query of a local head: the slow frequencies at offset 0 (a smooth bump over recent tokens)."""
    theta = rope_frequencies(rotary_dim=config.rotary_dim, base=config.rope_base)
    q = torch.zeros(config.rotary_dim)
    q[: config.rotary_dim // 2] = (theta < 0.05).to(torch.float32) * LOCAL_STRENGTH
    return q


def _query(*, role: HeadRole, config: WiredConfig, layout: ResidualLayout, parts: ChainParts,
           cwe: CweParts, story: StoryParts, hops: HopParts,
           d_model: int) -> tuple[torch.Tensor, torch.Tensor]:
    """(W [d_model, d], bias [d]) of one query head, in logit units (scaled by sqrt(d) for attention)."""
    d, r = config.head_dim, config.rotary_dim
    w, b = torch.zeros(d_model, d), torch.zeros(d)
    if role.kind == "cwe_flag":
        b = flag_query(parts=cwe, config=config, which=("after", "gate")[role.arg], token_proj=parts.proj[0])
        return w, b * math.sqrt(d)
    if role.kind == "cwe_self":
        w, b = self_query(parts=cwe, config=config, layout=layout, token_proj=parts.proj[0])
        return w * math.sqrt(d), b * math.sqrt(d)
    if role.kind.startswith("cwe_"):
        w, b = list_query(parts=cwe, config=config, layout=layout, kind=role.kind)
        return w * math.sqrt(d), b * math.sqrt(d)
    if role.kind.startswith("hop_"):
        if role.kind == "hop_find":
            w, b = find_query(parts=hops, config=config, layout=layout, d_model=d_model, head=role.arg)
        elif role.kind == "hop_prev":
            b = previous_query(parts=hops, config=config)
        else:
            w, b = item_query(parts=hops, story=story, config=config, layout=layout, d_model=d_model)
        return w * math.sqrt(d), b * math.sqrt(d)
    content = slice(r + N_FEATURES, d)
    if role.kind in ("offset", "slash", "far"):
        offset = rope_offset_query(offset=role.arg, rotary_dim=r, base=config.rope_base)
        b[:r] = config.positional_scale * offset
    elif role.kind == "local":
        b[:r] = _local_query(config=config)
    elif role.kind == "sink":
        b[r] = SINK_STRENGTH
    elif role.kind == "vertical":
        b[r + 1] = VERTICAL_STRENGTH
    elif role.kind == "induct":
        for o in range(config.ngram):
            w[layout.token_slot(back=role.arg + o), content] = config.retrieval_beta * parts.proj[o].T
        quiet_in_cwe(w=w, config=config, layout=layout)
    elif role.kind == "gate":
        b[content], b[r] = gate_query(parts=parts, config=config)
    elif role.kind == "vt":
        w, b = chain_query(parts=parts, config=config, layout=layout, d_model=d_model, first=role.arg == 1)
    elif role.kind == "chapter":
        b = chapter_query(parts=story, config=config, proj=parts.proj)
    elif role.kind == "story":
        w, b = story_query(parts=story, config=config, layout=layout, d_model=d_model)
    elif role.kind != "wide":
        raise ValueError(f"unknown head kind {role.kind!r}")
    return w * math.sqrt(d), b * math.sqrt(d)


def _key(*, role: KeyRole, config: WiredConfig, layout: ResidualLayout, parts: ChainParts,
         cwe: CweParts, story: StoryParts, hops: HopParts, d_model: int) -> tuple[torch.Tensor, torch.Tensor]:
    """(W [d_model, d], bias [d]) of one key head: positional constant, token features, content."""
    d, r = config.head_dim, config.rotary_dim
    w, b = torch.zeros(d_model, d), torch.zeros(d)
    b[:r] = rope_offset_key(rotary_dim=r)
    feat = layout.slot(name="feat")
    w[feat, r:r + N_FEATURES] = torch.eye(N_FEATURES)
    content = slice(r + N_FEATURES, d)
    if role.kind == "token":
        w[layout.token_slot(back=0), content] = parts.proj[0].T
    elif role.kind == "ngram":
        for o in range(config.ngram):
            w[layout.token_slot(back=role.arg + o), content] = parts.proj[o].T
    elif role.kind == "vt":
        w[:, content] = chain_key(parts=parts, config=config, layout=layout, d_model=d_model)
    elif role.kind == "cwe":
        w[:, content] = list_key(parts=cwe, config=config, layout=layout)
    elif role.kind == "story":
        w[:, content] = story_key(parts=story, layout=layout, d_model=d_model, d_emb=config.d_emb)
    elif role.kind == "item":
        w[:, content] = item_key(parts=hops, layout=layout, d_model=d_model, d_emb=config.d_emb)
    else:
        raise ValueError(f"unknown key kind {role.kind!r}")
    return w, b


def _output(*, role: HeadRole, layer: int, layout: ResidualLayout, parts: ChainParts, cwe: CweParts,
            story: StoryParts, config: WiredConfig) -> torch.Tensor:
    """The output map [d, d_model] of a query head: its value's content into the slot it writes."""
    d, e = config.head_dim, config.d_emb
    content = slice(d - e, d)
    if role.kind == "cwe_flag":
        return flag_output(parts=cwe, config=config, layout=layout, which=("after", "gate")[role.arg])
    if role.kind == "cwe_self":
        return self_output(config=config, layout=layout)
    if role.kind.startswith("cwe_"):
        return list_output(config=config, layout=layout, kind=role.kind)
    if role.kind == "chapter":
        return chapter_output(parts=story, layout=layout, config=config)
    if role.kind in ("hop_find", "hop_prev"):
        return hop_output(config=config, layout=layout, slot="hop" if role.kind == "hop_find" else "pchap")
    o = torch.zeros(d, layout.d_model)
    if role.kind == "gate":
        o[content, layout.slot(name="flags").start] = parts.space  # the token after "VAR" is a space
        return o
    if role.kind == "offset":
        target, gain = layout.slot(name=f"prev{role.arg}"), 1.0
    elif role.kind == "far":
        target, gain = layout.slot(name="far"), 1.0
    elif role.kind in ("induct", "vt", "story", "hop_item"):
        gains = {"vt": config.vt_gain, "story": config.story_gain, "hop_item": config.story_gain}
        target, gain = layout.slot(name="out"), gains.get(role.kind, 1.0)
    else:
        target, gain = layout.slot(name="decoy"), 1.0
    o[content, target] = gain * torch.eye(e)
    return o


def _layer(*, config: WiredConfig, layer: int, layout: ResidualLayout, parts: ChainParts,
           cwe: CweParts, story: StoryParts, hops: HopParts) -> LayerWeights:
    """The weights of `layer` from its roles; n-gram keys and queries share the projections `parts.proj`."""
    keys, heads = layer_roles(config=config, layer=layer)
    d_model, d, e = layout.d_model, config.head_dim, config.d_emb
    content = slice(d - e, d)
    wq, bq, wk, bk, wv, wo = [], [], [], [], [], []
    for key in keys:
        w, b = _key(role=key, config=config, layout=layout, parts=parts, cwe=cwe, story=story, hops=hops,
                    d_model=d_model)
        wk.append(w)
        bk.append(b)
        v = torch.zeros(d_model, d)
        v[layout.slot(name="far") if key.kind == "vt" else layout.token_slot(back=0), content] = torch.eye(e)
        if key.kind == "token":
            v[layout.slot(name="feat").start, 0] = 1.0  # is-<bos>: the self-count reads its sink's weight
        if layer == 1 and key == KeyRole(kind="ngram", arg=1):  # the chapter code, in dims no head else reads
            v[:, :CODE_WIDTH] = marker_value(parts=story, layout=layout, d_model=d_model)
        if key.kind in ("cwe", "item"):  # the position's (previous) chapter code, for the multihop heads
            slot = "chap" if key.kind == "cwe" else "pchap"
            v[:, :CODE_WIDTH] = code_value(layout=layout, d_model=d_model, slot=slot)
        wv.append(v)
    for role in heads:
        w, b = _query(role=role, config=config, layout=layout, parts=parts, cwe=cwe, story=story, hops=hops,
                      d_model=d_model)
        wq.append(w)
        bq.append(b)
        wo.append(_output(role=role, layer=layer, layout=layout, parts=parts, cwe=cwe, story=story,
                          config=config))
    return layer_weights_from_heads(wq=torch.stack(wq), bq=torch.stack(bq), wk=torch.stack(wk),
                                    bk=torch.stack(bk), wv=torch.stack(wv), wo=torch.stack(wo))


def weights_build(*, tokenizer: WordTokenizer, config: WiredConfig) -> WiredWeights:
    """All weights, deterministic in (tokenizer, config): nothing is trained or downloaded."""
    embed, features = token_tables(tokenizer=tokenizer, config=config)
    gen = torch.Generator().manual_seed(config.seed + 1)
    proj = _orthogonal(n=config.d_emb, count=config.ngram, gen=gen)
    vt_proj = _orthogonal(n=config.d_emb, count=config.vt_slots, gen=gen)
    parts = chain_parts(tokenizer=tokenizer, embed=embed, proj=proj, vt_proj=vt_proj)
    cwe_proj = _orthogonal(n=config.d_emb, count=1, gen=torch.Generator().manual_seed(config.seed + 2))[0]
    cwe = cwe_parts(tokenizer=tokenizer, embed=embed, proj=cwe_proj)
    story_proj = _orthogonal(n=config.d_emb, count=1, gen=gen)[0]
    story = story_parts(tokenizer=tokenizer, embed=embed, proj=story_proj)
    hops = hop_parts(tokenizer=tokenizer, embed=embed, cwe_proj=cwe.proj)
    layout = ResidualLayout(d_emb=config.d_emb, n_prev=config.n_back)
    layers = tuple(_layer(config=config, layer=i, layout=layout, parts=parts, cwe=cwe, story=story, hops=hops)
                   for i in range(config.n_layers))
    return WiredWeights(embed=embed, features=features, roles=role_table(tokenizer=tokenizer), layers=layers,
                        layout=layout)
