"""The initialised track (digits-init): published init, scoring from it, references alike, hidden orders."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from sb_seeds import seeds_for

from evaluator.benchmarks.sparse_search import SparseSearchBenchmark, init_track
from evaluator.benchmarks.sparse_search.config import SearchConfig
from evaluator.benchmarks.sparse_search.data import hidden_test_read, public_data_read
from evaluator.benchmarks.sparse_search.runs import hidden_seeds_draw, masks_run
from evaluator.benchmarks.sparse_search.train import params_slice, parent_init, stack_train
from evaluator.contract import Payload

TINY = SearchConfig(
    epochs=3,
    n_hidden_seeds=3,
    n_public_seeds=2,
    n_random_masks=3,
    n_split_masks=3,
    search_candidates=2,
    search_epochs=1,
    bootstrap_reps=200,
)
PHASE = "digits-init"


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[SparseSearchBenchmark, Path]:
    bench = SparseSearchBenchmark(config=TINY)
    out = tmp_path_factory.mktemp("init") / "sparse-search" / bench.spec.version
    bench.build(out, seeds=seeds_for(public=4))
    return bench, out


def _payload(out: Path, file: Path, phase: str = PHASE) -> Payload:
    return Payload(phase=phase, public_dir=out / "public", file=file)


def _sample(out: Path) -> Path:
    return out / "public" / "sample_submission.npz"


def _seed_accuracies(report) -> np.ndarray:
    """Private per-seed test accuracies, (levels, seeds), from a report's items."""
    items = [it for it in report.splits["private"].items if " / seed " in it.item]
    return np.array([it.values["acc"] for it in items]).reshape(len(TINY.levels), -1)


def test_the_bundle_publishes_the_init_its_seed_and_the_question(built):
    bench, out = built
    protocol = json.loads((out / "public" / "init" / "protocol.json").read_text())
    init_seed = protocol["init_seed"]
    assert init_seed == init_track.init_seed_public(seed=4)
    with np.load(out / "public" / "init" / "parent_init.npz", allow_pickle=False) as arrays:
        published = [arrays[name] for name in ("w1", "b1", "w2", "b2", "w3", "b3")]
    for got, want in zip(published, parent_init(config=TINY, seed=init_seed), strict=True):
        assert got.dtype == np.float32 and np.array_equal(got, want)
    readme = (out / "public" / "init" / "README.md").read_text()
    assert str(init_seed) in readme
    assert "2403.08265" in readme and "2403.08265" in bench.spec.phase(PHASE).description
    assert "any initialisation" in bench.spec.phase("digits").description


def test_the_scorer_trains_the_published_weights_sliced_to_the_mask_on_the_hidden_orders(built):
    bench, out = built
    report = bench.score(_payload(out, _sample(out)), out / "hidden")
    with np.load(out / "public" / "init" / "parent_init.npz", allow_pickle=False) as arrays:
        published = tuple(arrays[name] for name in init_track.PARAM_NAMES)
    with np.load(_sample(out)) as sample:
        masks = [sample[f"level_{lv!r}"].astype(bool) for lv in TINY.levels]
    orders = json.loads((out / "hidden" / "init" / "seeds.json").read_text())["hidden_seeds"]
    data, test = public_data_read(public_dir=out / "public"), hidden_test_read(hidden_dir=out / "hidden")
    alone = np.stack(
        [
            stack_train(
                config=TINY,
                data=data,
                inits=[params_slice(params=published, mask=mask)] * len(orders),
                seeds=orders,
                test=test,
            ).test_accuracy
            for mask in masks
        ]
    )
    assert np.array_equal(_seed_accuracies(report), alone)
    digits = bench.score(_payload(out, _sample(out), phase="digits"), out / "hidden")
    assert not np.array_equal(_seed_accuracies(digits), alone)


def test_two_published_inits_give_two_scores_and_one_init_always_the_same(built):
    _, out = built
    data, test = public_data_read(public_dir=out / "public"), hidden_test_read(hidden_dir=out / "hidden")
    with np.load(_sample(out)) as sample:
        masks = [sample[f"level_{lv!r}"].astype(bool) for lv in TINY.levels]
    orders = json.loads((out / "hidden" / "init" / "seeds.json").read_text())["hidden_seeds"]

    def accuracy(parent):
        runs = masks_run(
            config=TINY, data=data, test=test, masks=masks, seeds=orders, labels=["m"] * 4, parent=parent
        )
        return np.stack([run.test_accuracy for run in runs])

    first, other = parent_init(config=TINY, seed=1), parent_init(config=TINY, seed=2)
    assert np.array_equal(accuracy(first), accuracy(first))
    assert not np.array_equal(accuracy(first), accuracy(other))


def test_a_build_with_another_published_init_scores_the_same_mask_differently(built, tmp_path, monkeypatch):
    bench, out = built
    first = bench.score(_payload(out, _sample(out)), out / "hidden")
    assert (
        _seed_accuracies(first).tolist()
        == _seed_accuracies(bench.score(_payload(out, _sample(out)), out / "hidden")).tolist()
    )
    monkeypatch.setattr(init_track, "init_seed_public", lambda *, seed: 77)
    bench.build(tmp_path / "other", seeds=seeds_for(public=4))
    assert (tmp_path / "other/public/data.npz").read_bytes() == (out / "public/data.npz").read_bytes()
    assert (tmp_path / "other/hidden/init/seeds.json").read_bytes() == (
        out / "hidden/init/seeds.json"
    ).read_bytes()
    second = bench.score(_payload(tmp_path / "other", _sample(out)), tmp_path / "other" / "hidden")
    assert not np.array_equal(_seed_accuracies(first), _seed_accuracies(second))


def test_the_references_are_trained_from_the_published_init_on_the_same_orders(built, tmp_path):
    bench, out = built
    with np.load(out / "hidden" / "init" / "reference.npz") as ref:
        masks, acc, dense = ref["random_masks"], ref["random_accuracy"], ref["dense_accuracy"]
    np.savez(tmp_path / "ref0.npz", **{f"level_{lv!r}": masks[i, 0] for i, lv in enumerate(TINY.levels)})
    report = bench.score(_payload(out, tmp_path / "ref0.npz"), out / "hidden")
    assert np.array_equal(_seed_accuracies(report), acc[:, 0, :])
    levels = [it for it in report.splits["private"].items if it.group == "level"]
    assert levels[0].values["dense_mean"] == pytest.approx(dense.mean(), abs=1e-12)
    metrics = report.splits["private"].metrics
    assert metrics["diff_vs_same_split"] is not None and metrics["diff_vs_random"] is not None
    np.savez(tmp_path / "dense.npz", dense_parent=np.array(True))
    dense_report = bench.score(_payload(out, tmp_path / "dense.npz"), out / "hidden")
    dense_items = [it for it in dense_report.splits["private"].items if it.group == "level 0.5"]
    assert [it.values["acc"] for it in dense_items] == dense.tolist()


def test_a_published_init_that_is_not_the_builds_is_refused(built, tmp_path):
    import shutil

    bench, out = built
    public = tmp_path / "public"
    shutil.copytree(out / "public", public)
    init_track.init_write(public_dir=public, params=parent_init(config=TINY, seed=9))
    payload = Payload(phase=PHASE, public_dir=public, file=public / "sample_submission.npz")
    with pytest.raises(ValueError, match="not the file this build published"):
        bench.score(payload, out / "hidden")


def test_the_random_search_baseline_searches_the_published_init(built, tmp_path, monkeypatch):
    from evaluator.benchmarks.sparse_search import baselines

    bench, out = built
    seen = []
    real = baselines.params_slice

    def spy(*, params, mask):
        seen.append(params)
        return real(params=params, mask=mask)

    monkeypatch.setattr(baselines, "params_slice", spy)
    (baseline,) = [b for b in bench.baselines() if b.name == "Random search" and PHASE in b.phases]
    payload = baseline.make_payload(out / "public", PHASE, tmp_path)
    assert bench.validate(payload) == [] and payload.phase == PHASE
    published = init_track.init_read(public_dir=out / "public", config=TINY)
    assert len(seen) == len(TINY.levels) * TINY.search_candidates
    assert all(np.array_equal(a, b) for params in seen for a, b in zip(params, published, strict=True))


def test_the_hidden_orders_follow_the_secret_and_not_the_public_seeds(built, tmp_path):
    bench, out = built
    bench.build(tmp_path / "other", seeds=seeds_for(public=4, secret=bytes(range(1, 33))))
    for name in ("parent_init.npz", "protocol.json", "README.md"):
        assert (tmp_path / "other/public/init" / name).read_bytes() == (
            out / "public/init" / name
        ).read_bytes()
    orders = json.loads((out / "hidden/init/seeds.json").read_text())["hidden_seeds"]
    other = json.loads((tmp_path / "other/hidden/init/seeds.json").read_text())["hidden_seeds"]
    assert orders != other
    digits_seeds = json.loads((out / "hidden/seeds.json").read_text())["hidden_seeds"]
    assert not set(orders) & set(digits_seeds)
    init_seed = json.loads((out / "public/init/protocol.json").read_text())["init_seed"]
    assert init_seed not in orders
    for seed in (init_seed, 4):
        candidates = [np.random.default_rng(seed)] + [np.random.default_rng([seed, k]) for k in range(32)]
        for rng in candidates:
            assert hidden_seeds_draw(rng=rng, count=TINY.n_hidden_seeds) != orders
    texts = [p for p in (out / "public").rglob("*") if p.suffix in {".json", ".md"}]
    public_text = "".join(p.read_text() for p in texts)
    assert all(str(seed) not in public_text for seed in orders)
