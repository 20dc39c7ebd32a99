"""A tiny benchmark for the API and CLI tests: JSON answers scored against hidden answers."""

from __future__ import annotations

import json
from pathlib import Path

from evaluator.contract import (
    Baseline,
    Benchmark,
    BenchmarkSpec,
    ItemScore,
    MetricSpec,
    Payload,
    PhaseSpec,
    Problem,
    ScoreReport,
    SplitScore,
    SubmissionFormat,
    SubmissionKind,
    no_progress,
)

#: Hidden answers: the first two questions form the public split, the last two the private split.
ANSWERS = [3, 1, 4, 1]
HIDDEN_MARKER = "HIDDEN-ANSWERS-DO-NOT-SERVE"

SPEC_KWARGS = dict(
    slug="tiny",
    version="1",
    title="Tiny answers",
    description="Answer four questions; two are scored publicly, two privately.",
    phases=(
        PhaseSpec(slug="dev", title="Development", description="open phase", public_paths=("dev",)),
        PhaseSpec(slug="test", title="Test", description="test phase", public_paths=("test", "README.txt")),
    ),
    formats=(
        SubmissionFormat(kind=SubmissionKind.FILE, description="JSON answers", extensions=(".json",)),
        SubmissionFormat(kind=SubmissionKind.CONFIG, description="a constant guess"),
    ),
    metrics=(
        MetricSpec(name="accuracy", label="Accuracy", unit="", higher_is_better=True, fmt="{:.2f}"),
        MetricSpec(name="density", label="Density", unit="%", higher_is_better=False, fmt="{:.1f}"),
    ),
    ranking_metric="accuracy",
    pareto_axes=("density", "accuracy"),
    soft_time_limit_s=30,
)


class TinyBenchmark(Benchmark):
    """Questions in public/, answers in hidden/; accuracy per split, density from the config."""

    spec = BenchmarkSpec(**SPEC_KWARGS)

    def build(self, out_dir: Path, *, seeds, progress=no_progress) -> None:
        """Write the public questions of both phases and the hidden answers."""
        for phase in ("dev", "test"):
            (out_dir / "public" / phase).mkdir(parents=True, exist_ok=True)
            (out_dir / "public" / phase / "questions.json").write_text(json.dumps({"count": len(ANSWERS)}))
        (out_dir / "public" / "README.txt").write_text("four questions\n")
        (out_dir / "public" / "unlisted.txt").write_text("public but in no phase's paths\n")
        (out_dir / "hidden").mkdir(parents=True, exist_ok=True)
        (out_dir / "hidden" / "answers.json").write_text(json.dumps({"answers": ANSWERS, "m": HIDDEN_MARKER}))

    def validate(self, payload: Payload) -> list[Problem]:
        """A file must hold {"answers": [4 integers]}; a config must hold an integer "guess"."""
        if payload.config is not None:
            guess = payload.config.get("guess")
            return [] if isinstance(guess, int) else [Problem("config.guess", "must be an integer")]
        try:
            data = json.loads(Path(payload.file).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            return [Problem(Path(payload.file).name, f"not JSON: {exc}")]
        answers = data.get("answers") if isinstance(data, dict) else None
        if not isinstance(answers, list):
            return [Problem("answers", "missing list of answers")]
        bad = [i for i, a in enumerate(answers) if not isinstance(a, int) or isinstance(a, bool)]
        problems = [Problem(f"answers[{i}]", "not an integer") for i in bad]
        if len(answers) != len(ANSWERS):
            problems.append(Problem("answers", f"expected {len(ANSWERS)} answers, got {len(answers)}"))
        return problems

    def precheck(self, payload: Payload) -> list[Problem]:
        """At upload: a .json file must be a JSON object with an answers list (the values, the count and
        configs are left to the worker's validate); other files (a code format some tests add) pass."""
        if payload.file is None or Path(payload.file).suffix != ".json":
            return []
        name = Path(payload.file).name
        try:
            data = json.loads(Path(payload.file).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            return [Problem(name, f"not JSON: {exc}")]
        if not isinstance(data, dict) or not isinstance(data.get("answers"), list):
            return [Problem(name, "expected an object with an answers list")]
        return []

    def score(self, payload: Payload, hidden_dir: Path, progress=no_progress) -> ScoreReport:
        """Accuracy of the public (first two) and private (last two) answers."""
        truth = json.loads((hidden_dir / "answers.json").read_text())["answers"]
        if payload.config is not None:
            density = float(payload.config.get("density", 100))
            answers = [payload.config["guess"]] * len(truth)
        else:
            answers, density = json.loads(Path(payload.file).read_text())["answers"], None
        splits = {}
        for split, index in (("public", (0, 1)), ("private", (2, 3))):
            progress(0.5 if split == "public" else 0.9, f"scoring {split}")
            items = tuple(
                ItemScore(item=f"q{i}", group=split, values={"accuracy": float(answers[i] == truth[i])})
                for i in index
            )
            accuracy = sum(item.values["accuracy"] for item in items) / len(items)
            na = {} if density is not None else {"density": "not measured for file submissions"}
            metrics = {"accuracy": accuracy, "density": density}
            splits[split] = SplitScore(metrics=metrics, items=items, na_reasons=na)
        return ScoreReport(splits=splits, protocol_version="1", hardware={"cpu": "test"})

    def baselines(self) -> list[Baseline]:
        """No baselines."""
        return []
