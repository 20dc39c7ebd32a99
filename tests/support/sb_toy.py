"""The one toy benchmark of the tests: guess fixed hidden integers, scored by exact match.

One implementation (`ToyBenchmark`), configured by a `Toy` (spec, answers, public files, density rule,
baseline phases) and registered under two slugs from `ENTRIES`:

- "tinybench" (`TINYBENCH`, platform and worker tests): 8 answers, file submissions only, density measured
  as the share of non-zero answers, an all-zero baseline on both phases;
- "tiny" (`TINY`, API and CLI tests): 4 answers, files or a config guess, density declared by the config
  (n/a for files), a README and an unlisted public file, no baseline.

Payloads: a JSON file {"answers": [int, ...], "seconds_per_item": float, "declared_density": float} (the
last two optional; the scorer takes seconds_per_item per item, so a submission can be slow, and refuses
a declared density that the answers do not have), or a config {"guess": int, "density": float}. The
first half of the items is the public split, the second half the private split. The hidden answers file
carries `HIDDEN_MARKER`, which no public route may serve.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
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
    ProgressFn,
    ScoreReport,
    SplitScore,
    SubmissionFormat,
    SubmissionKind,
    SubmissionRefused,
    no_progress,
)
from evaluator.hidden import BuildSeeds

HIDDEN_MARKER = "HIDDEN-ANSWERS-DO-NOT-SERVE"
FILE_FORMAT = SubmissionFormat(kind=SubmissionKind.FILE, description="JSON answers", extensions=(".json",))


@dataclass
class Toy:
    """What one registered toy declares and knows; tests may monkeypatch its fields (e.g. ``spec``)."""

    spec: BenchmarkSpec
    answers: tuple[int, ...]  # the hidden answers, fixed so that tests know them
    public_files: dict[str, str]  # path under public/ -> text
    file_density: bool  # a file's density is measured (share of non-zero answers); else n/a
    baseline_phases: tuple[str, ...] = ()  # phases of the all-zero baseline (empty: no baseline)


TINYBENCH = Toy(
    spec=BenchmarkSpec(
        slug="tinybench",
        version="1",
        title="Tiny test benchmark",
        description="Guess seeded integers (platform tests).",
        phases=(
            PhaseSpec(
                slug="dev",
                title="Dev",
                description="development",
                public_paths=("inputs",),
                max_upload_bytes=4096,
                daily_limit=5,
                total_limit=20,
            ),
            PhaseSpec(slug="test", title="Test", description="test", public_paths=("inputs",)),
        ),
        formats=(FILE_FORMAT,),
        metrics=(
            MetricSpec(name="accuracy", label="Accuracy", unit="", higher_is_better=True),
            MetricSpec(name="density", label="Density", unit="", higher_is_better=False),
        ),
        ranking_metric="accuracy",
        pareto_axes=("density", "accuracy"),
        soft_time_limit_s=120,
    ),
    answers=tuple((3 * i) % 10 for i in range(8)),
    public_files={"inputs/items.json": json.dumps({"items": 8})},
    file_density=True,
    baseline_phases=("dev", "test"),
)

TINY = Toy(
    spec=BenchmarkSpec(
        slug="tiny",
        version="1",
        title="Tiny answers",
        description="Answer four questions; two are scored publicly, two privately.",
        phases=(
            PhaseSpec(slug="dev", title="Development", description="open phase", public_paths=("dev",)),
            PhaseSpec(
                slug="test", title="Test", description="test phase", public_paths=("test", "README.txt")
            ),
        ),
        formats=(FILE_FORMAT, SubmissionFormat(kind=SubmissionKind.CONFIG, description="a constant guess")),
        metrics=(
            MetricSpec(name="accuracy", label="Accuracy", unit="", higher_is_better=True, fmt="{:.2f}"),
            MetricSpec(name="density", label="Density", unit="%", higher_is_better=False, fmt="{:.1f}"),
        ),
        ranking_metric="accuracy",
        pareto_axes=("density", "accuracy"),
        soft_time_limit_s=30,
    ),
    answers=(3, 1, 4, 1),
    public_files={
        "dev/questions.json": json.dumps({"count": 4}),
        "test/questions.json": json.dumps({"count": 4}),
        "README.txt": "four questions\n",
        "unlisted.txt": "public but in no phase's paths\n",
    },
    file_density=False,
)

#: slug -> registry entry (dotted path of the factory below), for ``evaluator.registry.registry_override``
ENTRIES = {"tinybench": f"{__name__}:tinybench", "tiny": f"{__name__}:tiny"}
TINYBENCH_ENTRY = {"tinybench": ENTRIES["tinybench"]}
TINY_ENTRY = {"tiny": ENTRIES["tiny"]}


def _read_answers(path: Path) -> tuple[list | None, list[Problem]]:
    """The answers list of a JSON file, or the problem that stops reading it."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        return None, [Problem(path.name, f"not JSON: {exc}")]
    if not isinstance(data, dict) or not isinstance(data.get("answers"), list):
        return None, [Problem(path.name, "expected an object with an answers list")]
    return data["answers"], []


class ToyBenchmark(Benchmark):
    """Hidden answers in hidden/answers.json; accuracy per split (first half public), density per the toy."""

    def __init__(self, toy: Toy) -> None:
        self.toy = toy

    @property
    def spec(self) -> BenchmarkSpec:
        """The toy's spec, read at each use (so a test's patched spec is seen)."""
        return self.toy.spec

    def build(self, out_dir: Path, *, seeds: BuildSeeds, progress: ProgressFn = no_progress) -> None:
        """Write the toy's public files and the hidden answers (with the marker)."""
        for relative, text in self.toy.public_files.items():
            (out_dir / "public" / relative).parent.mkdir(parents=True, exist_ok=True)
            (out_dir / "public" / relative).write_text(text)
        (out_dir / "hidden").mkdir(parents=True, exist_ok=True)
        hidden = {"answers": list(self.toy.answers), "m": HIDDEN_MARKER}
        (out_dir / "hidden" / "answers.json").write_text(json.dumps(hidden))

    def precheck(self, payload: Payload) -> list[Problem]:
        """At upload: a .json file must be an object with an answers list (values and count are left to the
        worker's validate); configs and other files (a code format some tests add) pass."""
        if payload.file is None or Path(payload.file).suffix != ".json":
            return []
        return _read_answers(Path(payload.file))[1]

    def validate(self, payload: Payload) -> list[Problem]:
        """A config must hold an integer "guess"; a file must hold as many integer answers as the toy has."""
        if payload.config is not None:
            guess = payload.config.get("guess")
            ok = isinstance(guess, int) and not isinstance(guess, bool)
            return [] if ok else [Problem("config.guess", "must be an integer")]
        path = Path(payload.file)
        answers, problems = _read_answers(path)
        if answers is None:
            return problems
        count = len(self.toy.answers)
        if len(answers) != count:
            problems.append(Problem(f"{path.name}:answers", f"expected {count} answers, got {len(answers)}"))
        for i, value in enumerate(answers):
            if not isinstance(value, int) or isinstance(value, bool):
                problems.append(Problem(f"{path.name}:answers[{i}]", f"{value!r} is not an integer"))
        return problems

    def _file_answers(self, path: Path) -> tuple[list[int], float | None, float]:
        """A file's answers, density (None when not measured) and delay per item; a false declared density
        is refused."""
        data = json.loads(path.read_text(encoding="utf-8"))
        answers = data["answers"]
        measured = sum(1 for v in answers if v) / len(self.toy.answers)
        declared = data.get("declared_density")
        if declared is not None and abs(measured - declared) > 0.01:
            raise SubmissionRefused(f"measured density {measured} misses the declared {declared}")
        density = measured if self.toy.file_density else None
        return answers, density, float(data.get("seconds_per_item", 0.0))

    def score(self, payload: Payload, hidden_dir: Path, progress: ProgressFn = no_progress) -> ScoreReport:
        """Exact-match accuracy of the first half (public) and the second half (private) of the items."""
        truth = json.loads((hidden_dir / "answers.json").read_text())["answers"]
        count, half = len(truth), len(truth) // 2
        if payload.config is not None:
            answers = [payload.config["guess"]] * count
            density, delay = float(payload.config.get("density", 100)), 0.0
        else:
            answers, density, delay = self._file_answers(Path(payload.file))
        items = []
        for i, (guess, answer) in enumerate(zip(answers, truth, strict=True)):
            progress(i / count, f"item {i + 1}/{count}")
            if delay:
                time.sleep(delay)
            group = "public" if i < half else "private"
            items.append(ItemScore(item=f"q{i}", group=group, values={"accuracy": float(guess == answer)}))
        na = {} if density is not None else {"density": "not measured for file submissions"}

        def split(part: list[ItemScore]) -> SplitScore:
            accuracy = sum(item.values["accuracy"] for item in part) / len(part)
            metrics = {"accuracy": accuracy, "density": density}
            return SplitScore(metrics=metrics, items=tuple(part), na_reasons=dict(na))

        progress(1.0, "done")
        return ScoreReport(
            splits={"public": split(items[:half]), "private": split(items[half:])},
            protocol_version="tiny-1",
            hardware={"cpu": "test"},
            log=(f"scored {count} items",),
        )

    def baselines(self) -> list[Baseline]:
        """All-zero answers on the toy's baseline phases (none when it has none)."""
        if not self.toy.baseline_phases:
            return []
        count = len(self.toy.answers)

        def make(public_dir: Path, phase: str, work_dir: Path) -> Payload:
            path = work_dir / "zeros.json"
            path.write_text(json.dumps({"answers": [0] * count}))
            return Payload(phase=phase, public_dir=public_dir, file=path)

        return [Baseline("zeros", "answers 0 everywhere", self.toy.baseline_phases, make_payload=make)]


def tinybench() -> ToyBenchmark:
    """The "tinybench" toy (registry factory; reads `TINYBENCH` when called, so patches apply)."""
    return ToyBenchmark(TINYBENCH)


def tiny() -> ToyBenchmark:
    """The "tiny" toy (registry factory; reads `TINY` when called, so patches apply)."""
    return ToyBenchmark(TINY)
