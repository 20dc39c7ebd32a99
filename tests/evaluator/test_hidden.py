"""HiddenKey and BuildSeeds: keyed, scoped, label-exact derivations that never print the secret."""

from __future__ import annotations

import pytest

from evaluator.hidden import BuildSeeds, HiddenKey, secret_id, throwaway_seeds

SECRET = bytes(range(32))


def test_hidden_key_is_deterministic_and_depends_on_secret_scope_and_labels():
    key = HiddenKey(secret=SECRET, scope=("spare", "1.1"))
    assert key.seed("scene", "a") == HiddenKey(secret=SECRET, scope=("spare", "1.1")).seed("scene", "a")
    assert key.seed("scene", "a") != key.seed("scene", "b")
    assert key.seed("scene", "a") != HiddenKey(secret=SECRET, scope=("spare", "1.2")).seed("scene", "a")
    assert key.seed("scene", "a") != HiddenKey(secret=bytes(range(1, 33)), scope=key.scope).seed("scene", "a")
    assert key.scoped("scene").seed("a") == key.seed("scene", "a")
    assert 0 <= key.seed("x") < 2**63


def test_hidden_key_labels_are_joined_unambiguously():
    key = HiddenKey(secret=SECRET)
    assert key.digest("ab", "c") != key.digest("a", "bc")
    assert key.digest("a", "") != key.digest("a")


def test_hidden_key_rng_streams_differ_per_label_and_repeat_per_label():
    key = HiddenKey(secret=SECRET)
    assert (key.rng("a").random(4) == key.rng("a").random(4)).all()
    assert not (key.rng("a").random(4) == key.rng("b").random(4)).any()
    assert len(key.entropy("a")) == 8 and all(0 <= w < 2**32 for w in key.entropy("a"))


def test_hidden_key_never_shows_its_secret():
    key = HiddenKey(secret=SECRET, scope=("s",))
    text = repr(key) + str(key) + repr(BuildSeeds(public=0, hidden=key))
    assert SECRET.hex() not in text and str(SECRET) not in text
    assert key.key_id in text and key.key_id == secret_id(secret=SECRET)


@pytest.mark.parametrize("secret", [b"", b"short", "x" * 40])
def test_hidden_key_refuses_a_short_or_non_bytes_secret(secret):
    with pytest.raises(ValueError, match="at least 32 bytes"):
        HiddenKey(secret=secret)


@pytest.mark.parametrize("public", [-1, True, 1.5, "0"])
def test_build_seeds_refuse_a_bad_public_seed(public):
    with pytest.raises(ValueError, match="public seed"):
        BuildSeeds(public=public, hidden=HiddenKey(secret=SECRET))


def test_build_seeds_refuse_a_plain_integer_as_the_hidden_part():
    with pytest.raises(ValueError, match="HiddenKey"):
        BuildSeeds(public=0, hidden=0)


def test_throwaway_seeds_use_a_fresh_secret_each_time():
    assert throwaway_seeds().hidden.key_id != throwaway_seeds().hidden.key_id
