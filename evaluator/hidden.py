"""Keyed derivation of hidden items: hidden seeds come from a per-deployment secret, never a public seed."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass, field

import numpy as np

#: The shortest deployment secret accepted (bytes); 32 bytes = 256 bits.
SECRET_MIN_BYTES = 32
_ID_LABEL = b"sparsebench/secret-id/v1"


def secret_id(*, secret: bytes) -> str:
    """A public fingerprint of a secret (16 hex digits of an HMAC): tells secrets apart, reveals nothing."""
    return hmac.new(secret, _ID_LABEL, hashlib.sha256).hexdigest()[:16]


def _label_bytes(labels: tuple[str, ...]) -> bytes:
    """Labels joined unambiguously (length-prefixed), so ("ab", "c") and ("a", "bc") differ."""
    out = bytearray()
    for label in labels:
        data = str(label).encode("utf-8")
        out += len(data).to_bytes(4, "big") + data
    return bytes(out)


@dataclass(frozen=True, repr=False, eq=False)
class HiddenKey:
    """A deployment secret scoped to labels (benchmark, version, ...); derives hidden seeds by HMAC-SHA256.

    ``seed(*labels)`` and ``rng(*labels)`` depend on the secret and on every label of the scope and of the
    call, so a hidden item can only be recomputed by someone holding the secret. ``repr`` shows the
    fingerprint only, so the secret never reaches a log line by accident.
    """

    secret: bytes = field(repr=False)
    scope: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not isinstance(self.secret, bytes) or len(self.secret) < SECRET_MIN_BYTES:
            raise ValueError(f"a deployment secret must be at least {SECRET_MIN_BYTES} bytes")

    def __repr__(self) -> str:
        return f"HiddenKey(scope={self.scope!r}, id={self.key_id})"

    @property
    def key_id(self) -> str:
        """The secret's public fingerprint (see secret_id)."""
        return secret_id(secret=self.secret)

    def scoped(self, *labels: str) -> HiddenKey:
        """The same secret with `labels` appended to the scope."""
        return HiddenKey(secret=self.secret, scope=(*self.scope, *map(str, labels)))

    def digest(self, *labels: str) -> bytes:
        """HMAC-SHA256 of the scope and `labels` under the secret (32 bytes)."""
        message = _label_bytes((*self.scope, *map(str, labels)))
        return hmac.new(self.secret, message, hashlib.sha256).digest()

    def seed(self, *labels: str) -> int:
        """A 63-bit hidden seed for the item named by `labels`."""
        return int.from_bytes(self.digest(*labels)[:8], "big") >> 1

    def entropy(self, *labels: str) -> tuple[int, ...]:
        """The 256-bit digest of `labels` as eight 32-bit words (numpy seed material, picklable)."""
        digest = self.digest(*labels)
        return tuple(int.from_bytes(digest[i : i + 4], "big") for i in range(0, len(digest), 4))

    def rng(self, *labels: str) -> np.random.Generator:
        """A numpy generator seeded with the full 256-bit digest of `labels`."""
        return np.random.default_rng(list(self.entropy(*labels)))


@dataclass(frozen=True)
class BuildSeeds:
    """What build() derives its data from: a public seed (public items) and a hidden key (hidden items).

    Public items (training data, input views, development seeds, samples) may use ``public``; every item a
    participant must not compute (test scenes, evaluation seeds, test orders, leaderboard halves) must
    come from ``hidden``, which the platform scopes to (benchmark slug, version) before the call.
    """

    public: int
    hidden: HiddenKey

    def __post_init__(self) -> None:
        if isinstance(self.public, bool) or not isinstance(self.public, int) or self.public < 0:
            raise ValueError(f"public seed must be a non-negative integer, got {self.public!r}")
        if not isinstance(self.hidden, HiddenKey):
            raise ValueError("hidden must be a HiddenKey derived from the deployment secret")


def throwaway_seeds(*, public: int = 0) -> BuildSeeds:
    """BuildSeeds with a random one-off secret, for timing scripts and throwaway local builds."""
    return BuildSeeds(public=public, hidden=HiddenKey(secret=secrets.token_bytes(SECRET_MIN_BYTES)))
