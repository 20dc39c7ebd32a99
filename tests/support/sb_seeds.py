"""Build seeds for tests: a public seed and a hidden key made from a fixed test secret."""

from __future__ import annotations

from evaluator.hidden import BuildSeeds, HiddenKey

#: The secret of every test build that does not choose its own (never a deployment's).
TEST_SECRET = bytes(range(32))


def seeds_for(
    *, public: int = 0, secret: bytes = TEST_SECRET, scope: tuple[str, ...] = ("test",)
) -> BuildSeeds:
    """BuildSeeds with `public` and a hidden key of `secret` scoped to `scope`."""
    return BuildSeeds(public=public, hidden=HiddenKey(secret=secret, scope=scope))
