"""Specs of the plugin end to end on a reduced protocol: build, determinism, validate, score, baselines."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from sb_seeds import seeds_for

from evaluator.benchmarks.sparse_search import SparseSearchBenchmark
from evaluator.benchmarks.sparse_search.config import SearchConfig
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


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[SparseSearchBenchmark, Path]:
    bench = SparseSearchBenchmark(config=TINY)
    out = tmp_path_factory.mktemp("sparse") / "sparse-search" / bench.spec.version
    bench.build(out, seeds=seeds_for(public=4))
    return bench, out


def _files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_build_writes_every_public_path_and_the_hidden_reference(built):
    bench, out = built
    for name in bench.spec.phase("digits").public_paths:
        assert (out / "public" / name).is_file(), name
    for name in bench.spec.phase("digits-init").public_paths:
        assert (out / "public" / name).exists(), name
    assert sorted(p.name for p in (out / "hidden").iterdir()) == [
        "init",
        "manifest.json",
        "reference.npz",
        "seeds.json",
        "test.npz",
    ]
    assert sorted(p.name for p in (out / "hidden" / "init").iterdir()) == [
        "manifest.json",
        "reference.npz",
        "seeds.json",
    ]
    with np.load(out / "hidden" / "reference.npz") as ref:
        assert ref["random_accuracy"].shape == (4, 3, 3) and ref["dense_accuracy"].shape == (3,)
        assert ref["random_masks"].shape == (4, 3, 2, 256)
    with np.load(out / "public" / "data.npz") as data:
        assert data["x_train"].shape == (1000, 64) and data["x_val"].shape == (300, 64)
    public_text = "".join(p.read_text(errors="replace") for p in (out / "public").glob("*.json"))
    for seed in json.loads((out / "hidden" / "seeds.json").read_text())["hidden_seeds"]:
        assert str(seed) not in public_text


def test_build_is_byte_deterministic_per_seeds_and_its_hidden_part_follows_the_secret(built, tmp_path):
    bench, out = built
    bench.build(tmp_path / "again", seeds=seeds_for(public=4))
    assert _files(tmp_path / "again") == _files(out)
    bench.build(tmp_path / "other", seeds=seeds_for(public=4, secret=bytes(range(1, 33))))
    other = _files(tmp_path / "other")
    assert {k: v for k, v in other.items() if k.startswith("public/")} == {
        k: v for k, v in _files(out).items() if k.startswith("public/")
    }
    assert other["hidden/test.npz"] != _files(out)["hidden/test.npz"]
    assert other["hidden/seeds.json"] != _files(out)["hidden/seeds.json"]


def test_validate_accepts_both_sample_submissions_using_only_public_files(built, tmp_path):
    bench, out = built
    public = tmp_path / "public_only"
    shutil.copytree(out / "public", public)
    for name in ("sample_submission.npz", "sample_submission.json"):
        assert bench.validate(Payload(phase="digits", public_dir=public, file=public / name)) == []


def test_validate_names_a_wrong_phase_and_a_missing_file(built):
    bench, out = built
    problems = bench.validate(Payload(phase="cifar", public_dir=out / "public"))
    assert [p.where for p in problems] == ["phase", "file"]


def test_score_reports_public_and_private_splits_with_every_spec_metric(built):
    bench, out = built
    payload = Payload(
        phase="digits", public_dir=out / "public", file=out / "public" / "sample_submission.npz"
    )
    reports: list[tuple[float, str]] = []
    report = bench.score(payload, out / "hidden", lambda f, s: reports.append((f, s)))
    names = {m.name for m in bench.spec.metrics}
    assert set(report.splits) == {"public", "private"}
    for split, seeds in (("public", 2), ("private", 3)):
        score = report.splits[split]
        assert set(score.metrics) == names
        assert all(v is not None for v in score.metrics.values())
        assert len(score.items) == 4 * (1 + seeds)
        assert {key for it in score.items for key in it.values} <= {m.name for m in bench.spec.item_metrics}
        level_item = next(it for it in score.items if it.item == "level 0.9")
        assert level_item.values["weight_sparsity"] == pytest.approx(1.0 - score.metrics["wdens_l90"])
        assert level_item.values["kept_layer1"] + level_item.values["kept_layer2"] == 51
        assert (
            score.metrics["diff_ci_low"] <= score.metrics["diff_vs_random"] <= score.metrics["diff_ci_high"]
        )
        assert 0.0 <= score.metrics["pct_l50"] <= 100.0 and 0.0 < score.metrics["weight_density"] < 1.0
    fractions = [f for f, _ in reports]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0 and len(fractions) >= 4
    trained = [stage.split("; ")[1] for _, stage in reports if "networks trained" in stage]
    assert trained == [f"{n}/12 networks trained" for n in (3, 6, 9, 12)]
    assert report.hardware["train_threads"] == str(TINY.torch_threads)
    assert report.splits["private"].metrics == bench.score(payload, out / "hidden").splits["private"].metrics


def test_score_of_the_random_masks_agrees_with_the_hidden_reference_training(built, tmp_path):
    bench, out = built
    with np.load(out / "hidden" / "reference.npz") as ref:
        masks, acc = ref["random_masks"], ref["random_accuracy"]
    arrays = {f"level_{lv!r}": masks[i, 0] for i, lv in enumerate(TINY.levels)}
    np.savez(tmp_path / "ref0.npz", **arrays)
    report = bench.score(
        Payload(phase="digits", public_dir=out / "public", file=tmp_path / "ref0.npz"), out / "hidden"
    )
    for i, item in enumerate(it for it in report.splits["private"].items if it.group == "level"):
        assert item.values["acc"] == pytest.approx(acc[i, 0].mean(), abs=1e-12)


def test_score_publishes_the_difference_against_both_references(built, tmp_path):
    from evaluator.benchmarks.sparse_search.data import hidden_test_read, public_data_read
    from evaluator.benchmarks.sparse_search.runs import mask_run, split_reference_masks

    bench, out = built
    masks = {}
    for lv, (k1, k2) in zip(TINY.levels, ((200, 56), (100, 28), (40, 11), (5, 21)), strict=True):
        mask = np.zeros((2, 256), dtype=bool)
        mask[0, :k1], mask[1, -k2:] = True, True
        masks[f"level_{lv!r}"] = mask
    np.savez(tmp_path / "lopsided.npz", **masks)
    report = bench.score(
        Payload(phase="digits", public_dir=out / "public", file=tmp_path / "lopsided.npz"), out / "hidden"
    )
    seeds = json.loads((out / "hidden" / "seeds.json").read_text())["hidden_seeds"]
    data, test = public_data_read(public_dir=out / "public"), hidden_test_read(hidden_dir=out / "hidden")
    private = report.splits["private"]
    levels = [it for it in private.items if it.group == "level"]
    for item, mask in zip(levels, masks.values(), strict=True):
        kept = (int(mask[0].sum()), int(mask[1].sum()))
        alone = [
            mask_run(config=TINY, data=data, test=test, mask=m, seeds=seeds).test_accuracy.mean()
            for m in split_reference_masks(config=TINY, kept=kept, seeds=seeds)
        ]
        assert item.values["same_split_mean"] == pytest.approx(np.mean(alone), abs=1e-12)
        assert item.values["diff_split"] == pytest.approx(item.values["acc"] - np.mean(alone), abs=1e-12)
    split_gain = np.mean([it.values["same_split_mean"] - it.values["random_mean"] for it in levels])
    metrics = private.metrics
    assert metrics["diff_vs_random"] - metrics["diff_vs_same_split"] == pytest.approx(split_gain, abs=1e-12)
    assert metrics["same_split_ci_low"] <= metrics["diff_vs_same_split"] <= metrics["same_split_ci_high"]
    assert metrics["diff_split_l90"] == pytest.approx(levels[2].values["diff_split"])


def test_score_rejects_an_invalid_submission_and_a_reference_of_another_config(built, tmp_path):
    bench, out = built
    (tmp_path / "bad.json").write_text("{}")
    with pytest.raises(ValueError, match="invalid submission"):
        bench.score(
            Payload(phase="digits", public_dir=out / "public", file=tmp_path / "bad.json"), out / "hidden"
        )
    other = SparseSearchBenchmark(config=SearchConfig(epochs=2, n_hidden_seeds=3, n_public_seeds=2))
    payload = Payload(
        phase="digits", public_dir=out / "public", file=out / "public" / "sample_submission.json"
    )
    with pytest.raises(ValueError, match="another configuration"):
        other.score(payload, out / "hidden")


def test_baselines_write_valid_payloads_and_the_dense_parent_has_no_headline(built, tmp_path):
    bench, out = built
    by_phase = {(b.name, phase): b for b in bench.baselines() for phase in b.phases}
    names = {"Dense parent", "Random masks", "Random search"}
    assert set(by_phase) == {(name, phase) for name in names for phase in ("digits", "digits-init")}
    for (name, phase), baseline in by_phase.items():
        payload = baseline.make_payload(out / "public", phase, tmp_path / phase / name)
        assert payload.file.is_file() and bench.validate(payload) == [], name
    baselines = {name: b for (name, phase), b in by_phase.items() if phase == "digits"}
    dense = bench.score(
        baselines["Dense parent"].make_payload(out / "public", "digits", tmp_path), out / "hidden"
    )
    private = dense.splits["private"]
    assert private.metrics["diff_vs_random"] is None and "diff_vs_random" in private.na_reasons
    for name in ("diff_vs_same_split", "same_split_ci_low", "diff_split_l50"):
        assert private.metrics[name] is None and name in private.na_reasons
    assert private.metrics["weight_density"] == 1.0 and private.metrics["gap_l90"] == 0.0


def test_registry_instantiates_the_default_protocol():
    from evaluator.registry import benchmark_get

    bench = benchmark_get("sparse-search")
    assert bench.spec.ranking_metric == "diff_vs_random"
    assert bench.spec.pareto_axes == ("weight_density", "acc_mean")
    assert bench.config == SearchConfig()


def test_no_public_seed_rebuilds_the_hidden_seeds_the_test_order_or_the_reference_masks(built):
    """The red team's attack on protocol 1: find the build seed from data.npz, derive the hidden items."""
    from evaluator.benchmarks.sparse_search.data import digits_split
    from evaluator.benchmarks.sparse_search.runs import hidden_seeds_draw

    _, out = built
    hidden_seeds = json.loads((out / "hidden" / "seeds.json").read_text())["hidden_seeds"]
    with np.load(out / "hidden" / "test.npz") as test:
        hidden_y = test["y_test"]
    with np.load(out / "public" / "data.npz") as data:
        public_y = data["y_train"]
    matched_public = []
    for seed in range(64):
        data, test = digits_split(config=TINY, seed=seed, test_rng=np.random.default_rng([seed, 7]))
        if np.array_equal(data.y_train, public_y):
            matched_public.append(seed)  # the public part is found, as it may be
            assert not np.array_equal(test[1], hidden_y)
        for rng in (np.random.default_rng([seed, 11]), np.random.default_rng(seed)):
            assert hidden_seeds_draw(rng=rng, count=TINY.n_hidden_seeds) != hidden_seeds
    assert matched_public == [4]


def test_precheck_is_the_whole_cheap_validation_of_the_masks(built, tmp_path):
    bench, out = built
    public = out / "public"
    sample = Payload(phase="digits", public_dir=public, file=public / "sample_submission.npz")
    assert bench.precheck(sample) == []
    bad = tmp_path / "masks.json"
    bad.write_text('{"masks": {"0.5": [[1, 0], [0, 1]]}}')
    payload = Payload(phase="digits", public_dir=public, file=bad)
    problems = bench.precheck(payload)
    assert problems == bench.validate(payload)
    assert [str(p) for p in problems] == [
        "0.5: shape 2 x 2, expected 2 x 256",
        "masks.json: 3 sparsity levels have no mask: 0.75, 0.9, 0.95",
    ]
