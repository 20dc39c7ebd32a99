"""A spare board whose entries store per-item results: A clearly above B, B and C apart by noise only."""

from __future__ import annotations

from leaderboard import services
from leaderboard.models import Phase, Score, Submission

SCENES = 6
VIEWS = 4
#: Scene difficulty shared by every entry: far larger than the gaps between the entries.
DIFFICULTY = (14.0, 22.0, 17.5, 25.0, 19.0, 16.0)
#: (method, shift of every view, alternating view noise): A is B + 0.3 (tiny noise); C is B - 0.01 with
#: +-0.5 per view (it averages out in each scene, so the published order is fixed: A, B, C).
ENTRIES = (("Alpha", 0.3, 0.02), ("Bravo", 0.0, 0.0), ("Charlie", -0.01, 0.5))


def entry_items(*, shift: float, noise: float) -> list[dict]:
    """Per-item rows of psnr_m over SCENES x VIEWS (other metrics left out: they get no paired interval)."""
    return [
        {
            "item": f"scene{k}/view{j}",
            "group": f"scene{k}",
            "values": {"psnr_m": DIFFICULTY[k] + 0.1 * j + shift + (noise if j % 2 else -noise)},
        }
        for k in range(SCENES)
        for j in range(VIEWS)
    ]


def published(items: list[dict]) -> float:
    """psnr_m as spare publishes it: mean over scenes of the mean over views."""
    scenes: dict[str, list[float]] = {}
    for item in items:
        scenes.setdefault(item["group"], []).append(item["values"]["psnr_m"])
    return sum(sum(v) / len(v) for v in scenes.values()) / len(scenes)


def paired_board(*, phase: Phase, owner) -> dict[str, Submission]:
    """The three entries scored on `phase` (public split) with their items; the board rebuilt."""
    made = {}
    for method, shift, noise in ENTRIES:
        items = entry_items(shift=shift, noise=noise)
        value = published(items)
        sub = Submission.objects.create(
            owner=owner,
            phase=phase,
            method_name=method,
            payload_kind="file",
            payload_sha256="0" * 64,
            status=Submission.Status.SCORED,
            progress=1.0,
        )
        metrics = {"psnr_m": value, "psnr_m_lo": value - 2.0, "psnr_m_hi": value + 2.0, "psnr": value}
        Score.objects.create(
            submission=sub, split="public", protocol_version="1", metrics=metrics, items=items,
            hardware={"cpu": "test-cpu"}, data_id=phase.benchmark.data_id,
        )
        made[method] = sub
    services.leaderboard_rebuild(phase=phase)
    return made
