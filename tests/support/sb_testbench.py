"""A small real benchmark used by the platform tests: guess hidden integers, scored by exact match.

Payload: a JSON file {"answers": [int, ...], "seconds_per_item": float (optional)}; the scorer works
through the answers one item at a time (taking seconds_per_item each), so a submission can be slow.
"""

from __future__ import annotations

import json
import time
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

ITEMS = 8
SLUG = "tinybench"


class TinyBenchmark(Benchmark):
    """Hidden answers are fixed integers 0..9 (3i mod 10); accuracy = share of exact matches, per split."""

    spec = BenchmarkSpec(
        slug=SLUG,
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
        formats=(
            SubmissionFormat(kind=SubmissionKind.FILE, description="JSON answers", extensions=(".json",)),
        ),
        metrics=(
            MetricSpec(name="accuracy", label="Accuracy", unit="", higher_is_better=True),
            MetricSpec(name="density", label="Density", unit="", higher_is_better=False),
        ),
        ranking_metric="accuracy",
        pareto_axes=("density", "accuracy"),
        soft_time_limit_s=120,
    )

    def build(self, out_dir: Path, *, seeds: BuildSeeds, progress: ProgressFn = no_progress) -> None:
        """Write public/inputs/items.json and hidden/answers.json (fixed answers the platform tests know)."""
        answers = [(3 * i) % 10 for i in range(ITEMS)]
        (out_dir / "public" / "inputs").mkdir(parents=True)
        (out_dir / "hidden").mkdir(parents=True)
        (out_dir / "public" / "inputs" / "items.json").write_text(json.dumps({"items": ITEMS}))
        (out_dir / "hidden" / "answers.json").write_text(json.dumps(answers))

    def validate(self, payload: Payload) -> list[Problem]:
        """Every problem of the answers file."""
        name = payload.file.name if payload.file else "payload"
        try:
            data = json.loads(payload.file.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            return [Problem(name, f"not readable JSON ({exc})")]
        if not isinstance(data, dict) or not isinstance(data.get("answers"), list):
            return [Problem(name, "expected an object with an 'answers' list")]
        problems = []
        if len(data["answers"]) != ITEMS:
            problems.append(
                Problem(f"{name}:answers", f"expected {ITEMS} answers, got {len(data['answers'])}")
            )
        for i, value in enumerate(data["answers"]):
            if not isinstance(value, int) or isinstance(value, bool):
                problems.append(Problem(f"{name}:answers[{i}]", f"{value!r} is not an integer"))
        return problems

    def score(self, payload: Payload, hidden_dir: Path, progress: ProgressFn = no_progress) -> ScoreReport:
        """Exact-match accuracy of the first half (public) and second half (private)."""
        data = json.loads(payload.file.read_text(encoding="utf-8"))
        if data.get("declared_density") is not None:  # a declaration the scorer checks by measuring
            measured = sum(1 for v in data["answers"] if v) / ITEMS
            if abs(measured - data["declared_density"]) > 0.01:
                declared = data["declared_density"]
                raise SubmissionRefused(f"measured density {measured} misses the declared {declared}")
        truth = json.loads((hidden_dir / "answers.json").read_text())
        delay = float(data.get("seconds_per_item", 0.0))
        items = []
        for i, (guess, answer) in enumerate(zip(data["answers"], truth, strict=True)):
            progress(i / ITEMS, f"item {i + 1}/{ITEMS}")
            if delay:
                time.sleep(delay)
            items.append(ItemScore(item=f"item-{i}", group="all", values={"hit": float(guess == answer)}))
        half = ITEMS // 2
        density = sum(1 for v in data["answers"] if v) / ITEMS

        def split(part: list[ItemScore]) -> SplitScore:
            accuracy = sum(item.values["hit"] for item in part) / len(part)
            return SplitScore(metrics={"accuracy": accuracy, "density": density}, items=tuple(part))

        progress(1.0, "done")
        return ScoreReport(
            splits={"public": split(items[:half]), "private": split(items[half:])},
            protocol_version="tiny-1",
            hardware={"cpu": "test"},
            log=(f"scored {ITEMS} items",),
        )

    def baselines(self) -> list[Baseline]:
        """All-zero answers on every phase."""

        def make(public_dir: Path, phase: str, work_dir: Path) -> Payload:
            path = work_dir / "zeros.json"
            path.write_text(json.dumps({"answers": [0] * ITEMS}))
            return Payload(phase=phase, public_dir=public_dir, file=path)

        return [
            Baseline(
                name="zeros", description="answers 0 everywhere", phases=("dev", "test"), make_payload=make
            )
        ]


#: the tiny benchmark's registry entry, for ``evaluator.registry.registry_override``
TINY_ENTRY = {SLUG: "sb_testbench:TinyBenchmark"}
