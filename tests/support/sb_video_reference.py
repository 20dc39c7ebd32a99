"""Slow float64 references for PSA and BLADE, written from the released code's description, loop by loop,
sharing nothing with the fast path but the sampled positions (drawn by ``sampled_positions``)."""

import math

import torch

from kernels.methods.importance import sampled_positions


def importance_reference(q, k, *, block_q, block_k, samples_q, samples_k, seed, perm=None):
    """Per sampled query, the key-block maxima of its logits; exp of each minus the row maximum; the
    maximum over the query block's samples; each row of blocks divided by its sum."""
    b, h, n, d = q.shape
    q_pos, k_pos = sampled_positions(
        rows=b * h, n_tokens=n, block_q=block_q, block_k=block_k,
        samples_q=samples_q, samples_k=samples_k, seed=seed,
    )  # fmt: skip
    if perm is not None:
        q_pos, k_pos = perm[q_pos], perm[k_pos]
    group = h // k.shape[1]
    n_qb, n_kb = n // block_q, n // block_k
    out = torch.zeros(b, h, n_qb, n_kb, dtype=torch.float64)
    for bi in range(b):
        for hi in range(h):
            row = bi * h + hi
            qs = q[bi, hi, q_pos[row]].double() / d**0.5
            ks = k[bi, hi // group, k_pos[row]].double()
            logits = (qs @ ks.T).view(n_qb, samples_q, n_kb, samples_k)
            block_max = logits.amax(dim=3)  # [n_qb, samples_q, n_kb]
            row_max = block_max.amax(dim=2, keepdim=True)
            imp = torch.exp(block_max - row_max).amax(dim=1)
            out[bi, hi] = imp / imp.sum(dim=1, keepdim=True)
    return out


def psa_row_levels_reference(row, *, thresholds, mode, key_block, tile, floor_fraction=0.08):
    """Levels (1-4, 0 skip) of one row of importances, as the released mask builder assigns them."""
    n = len(row)
    order = sorted(range(n), key=lambda j: -row[j])  # stable: ties keep their index order
    total = sum(row)
    shares, acc = [], 0.0
    for j in order:
        acc += row[j]
        shares.append(acc / total)
    levels, start = [0] * n, 0
    for t, bound in enumerate(thresholds):
        align = math.ceil(2**t / (key_block // tile))
        if mode == "thresholdbound":
            count = sum(1 for s in shares if s <= bound + 1e-6)
            raw = count + 1 if count else start
        else:
            raw = min(n, int(n * bound))
        length = max(raw - start, 0)
        if align > 1:
            end = min(start + -(-length // align) * align, n)
            if end == n:
                end = start + (end - start) // align * align
        elif mode == "thresholdbound":
            end = max(min(max(raw, 0), n), start)
            if t == 0:
                end = max(end, min(n, int(n * floor_fraction) + 1))
        else:
            end = max(raw, start)
        for pos in range(start, end):
            levels[order[pos]] = t + 1
        start = end
    return levels


def blade_row_keep_reference(row, *, tau, low, high):
    """Kept blocks of one row by the released energy rule: up to, not including, the block where the
    cumulative share first reaches tau; the count clamped to [max(1, int(low n)), max(1, int(high n))]."""
    n = len(row)
    order = sorted(range(n), key=lambda j: -row[j])
    total, acc, count = sum(row), 0.0, n
    for pos, j in enumerate(order):
        acc += row[j]
        if acc >= tau * total:
            count = pos
            break
    count = min(max(count, max(1, int(n * low))), max(1, int(n * high)))
    return sorted(order[:count])


def asa_g_reference(q, k, v, *, keep_tokens, gap, perm):
    """Float64 ASA_G: one softmax over the kept keys and, with logits + log(gap), the means of each gap
    consecutive curve-ordered keys/values (the sequence padded by repeating its last token)."""
    b, h, n, d = q.shape
    out = torch.zeros(b, h, n, v.shape[-1], dtype=torch.float64)
    kp, vp = k[:, :, perm].double(), v[:, :, perm].double()
    pad = -n % gap
    kp = torch.cat([kp, kp[:, :, -1:].expand(-1, -1, pad, -1)], 2)
    vp = torch.cat([vp, vp[:, :, -1:].expand(-1, -1, pad, -1)], 2)
    kg, vg = kp.unflatten(2, (-1, gap)).mean(3), vp.unflatten(2, (-1, gap)).mean(3)
    for bi in range(b):
        for hi in range(h):
            s = q[bi, hi].double() @ k[bi, hi].double().T / math.sqrt(d)
            s = s.masked_fill(~keep_tokens[bi, hi], float("-inf"))
            sg = q[bi, hi].double() @ kg[bi, hi].T / math.sqrt(d) + math.log(gap)
            p = torch.softmax(torch.cat([s, sg], 1), dim=1)
            out[bi, hi] = p @ torch.cat([v[bi, hi].double(), vg[bi, hi]], 0)
    return out
