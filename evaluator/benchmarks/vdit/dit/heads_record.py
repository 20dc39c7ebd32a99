"""The committed record of the DiT's head patterns (heads.json, by bench/vdit_heads.py), shown on the page."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

from .heads import STRUCTURED_SHARE, HeadStats, PatternGeometry

#: Where bench/vdit_heads.py --json writes the record of the committed weights.
HEADS_FILE = Path(__file__).with_name("heads.json")
CATEGORIES = ("band", "temporal", "stripes", "diffuse")


@dataclass(frozen=True)
class HeadsRecord:
    """Every head's mean shares over dense sampling of `seeds` with `steps` steps, and a uniform head's."""

    seeds: tuple[int, ...]
    steps: int
    geometry: PatternGeometry
    heads: tuple[HeadStats, ...]
    uniform: tuple[float, float, float, float]


def heads_record_write(*, path: Path, record: HeadsRecord) -> None:
    """Write the record as JSON (shares rounded to 4 places)."""
    heads = [{**asdict(h), **{k: round(getattr(h, k), 4) for k in ("band", "temporal", "stripes", "rest")}}
             for h in record.heads]
    data = {"seeds": list(record.seeds), "steps": record.steps, "geometry": asdict(record.geometry),
            "heads": heads, "uniform": [round(x, 4) for x in record.uniform]}
    path.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")


def heads_record_read(*, path: Path = HEADS_FILE) -> HeadsRecord:
    """Read a record written by heads_record_write."""
    data = json.loads(path.read_text(encoding="utf-8"))
    return HeadsRecord(
        seeds=tuple(int(s) for s in data["seeds"]),
        steps=int(data["steps"]),
        geometry=PatternGeometry(**data["geometry"]),
        heads=tuple(HeadStats(**h) for h in data["heads"]),
        uniform=tuple(float(x) for x in data["uniform"]),
    )


def heads_text(record: HeadsRecord) -> str:
    """The record as lines of text for the benchmark page: a summary, then one line per head."""
    g = record.geometry
    labels = [h.label for h in record.heads]
    counts = ", ".join(f"{labels.count(name)} {name}" for name in CATEGORIES if labels.count(name))
    lines = [
        f"Head patterns of the model ({len(record.heads)} heads: {counts}), measured by bench/vdit_heads.py"
        f" over dense sampling of {len(record.seeds)} videos x {record.steps} steps: the mean share of each"
        f" head's attention mass on the band (frame distance <= {g.band_frames}, row and column distance <="
        f" {g.band_radius}), the temporal multi-diagonal (the same position in farther frames), the"
        f" {g.stripes} heaviest key columns of the rest (stripes) and the rest; a head is labelled by a"
        f" category holding >= {STRUCTURED_SHARE:.0%} of its mass, else diffuse. A uniform head would get"
        f" band {record.uniform[0]:.3f}, temporal {record.uniform[1]:.3f}, stripes {record.uniform[2]:.3f}.",
    ]
    lines += [
        f"layer {h.layer} head {h.head}: band {h.band:.3f}, temporal {h.temporal:.3f},"
        f" stripes {h.stripes:.3f}, rest {h.rest:.3f} ({h.label})"
        for h in record.heads
    ]
    return "\n".join(lines)
