"""Exact causal attention of broad fixed-offset heads as one convolution per head.

A fixed-offset head (`band.py`: query and key the same at every position before RoPE) scores key j from
row i by the distance alone, f(i - j). When its profile is too broad for a band (the wired model's local
decoy heads weigh every distance within e^-56 of the nearest), row i's output is
sum_{t<=i} w(t) v_{i-t} / sum_{t<=i} w(t) with w = e^(f - max f): a causal convolution of the values with
w, computed in float64 by FFT, over a prefix sum of w. The FFT's error is about 1e-16 x log N x sum(w) x
max|v|, so a head is taken only when every row's normaliser is at least CONV_FLOOR (w(0) >= CONV_FLOOR:
the score at distance 0 within ln(1 / CONV_FLOOR) of the maximum); the output then equals dense attention
up to float32 rounding.
"""

from __future__ import annotations

import torch

#: The smallest normaliser a row may have (its nearest key's weight relative to the profile's maximum).
CONV_FLOOR = 1e-4


def fast_size(m: int) -> int:
    """The smallest 2^a 3^b 5^c >= m: an FFT length without a large prime factor (a prompt's may be prime)."""
    best, p2 = 2 * m, 1
    while p2 < 2 * m:
        p3 = p2
        while p3 < 2 * m:
            p5 = p3
            while p5 < m:
                p5 *= 5
            best, p3 = min(best, p5), p3 * 3
        p2 *= 2
    return best


def conv_ready(profile: torch.Tensor) -> bool:
    """Whether a distance profile [B, N] (`band.offset_profile`) keeps each row's normaliser >= CONV_FLOOR."""
    return bool((torch.exp(profile[:, 0] - profile.amax(dim=1)) >= CONV_FLOOR).all())


def conv_attention(profile: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
    """Causal attention [B, N, d] of a fixed-offset head with distance profile [B, N] over v [B, N, d]."""
    n = v.shape[1]
    w = torch.exp(profile.double() - profile.double().amax(dim=1, keepdim=True))
    size = fast_size(2 * n - 1)  # no wrap-around: distances up to n - 1 on both sides
    spectrum = torch.fft.rfft(w, n=size, dim=1).unsqueeze(-1) * torch.fft.rfft(v.double(), n=size, dim=1)
    num = torch.fft.irfft(spectrum, n=size, dim=1)[:, :n]
    return (num / torch.cumsum(w, dim=1).unsqueeze(-1)).to(v.dtype)
