"""Benchmark of the checks at upload: the rendering plugin's precheck against its full validate, and the
import a web process pays the first time it checks an upload of each benchmark.

Run: .venv/bin/python bench/precheck.py [--width 200] [--views 10] [--repeats 5]
"""

from __future__ import annotations

import argparse
import io
import json
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from evaluator.benchmarks.spare import SpareBenchmark, SpareConfig  # noqa: E402
from evaluator.contract import Payload  # noqa: E402
from evaluator.hardware import hardware_fingerprint  # noqa: E402
from evaluator.hidden import BuildSeeds, HiddenKey  # noqa: E402
from evaluator.registry import benchmark_slugs  # noqa: E402

PHASE = "track1-dev"


def _median_ms(call, repeats: int) -> tuple[float, float]:
    """Median and spread (max - min) of `repeats` timed calls, in milliseconds, after one warm-up."""
    call()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        call()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), max(times) - min(times)


def _renders(*, public: Path, width: int, height: int, misname: bool) -> bytes:
    """A ZIP of noise PNGs (the worst case to decode) for every test view; optionally one scene misnamed."""

    splits = json.loads((public / "splits" / "Track1_split_development.json").read_text())
    rng = np.random.default_rng(0)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
        for index, scene in enumerate(sorted(splits)):
            for view in splits[scene]["test_views"]:
                image = Image.fromarray(rng.integers(0, 256, (height, width, 3), dtype=np.uint8))
                png = io.BytesIO()
                image.save(png, format="PNG", compress_level=1)
                prefix = "view" if misname and index == 0 else "cam"
                archive.writestr(f"{scene}/{prefix}_{view + 1:03d}_3_0000.png", png.getvalue())
    return buffer.getvalue()


def _import_seconds(slug: str) -> float:
    """Seconds a web process (Django set up, its URLs loaded: torch is imported by then) takes to import
    and instantiate the plugin the first time it checks an upload of that benchmark."""
    code = (
        "import os, time, django; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'leaderboard.settings');"
        " django.setup(); import leaderboard.urls; from evaluator.registry import benchmark_get;"
        f" t = time.perf_counter(); benchmark_get({slug!r}); print(time.perf_counter() - t)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parents[1])  # fmt: skip
    return float(out.stdout.strip().splitlines()[-1])


def main() -> None:
    """Print the precheck and validate times of a rendering upload, then each plugin's import time."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--width", type=int, default=200, help="image width, 4:3 (200: the data in service)")
    parser.add_argument("--views", type=int, default=10, help="test views per scene (4 scenes)")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    width, height = args.width, args.width * 3 // 4
    print(f"hardware: {hardware_fingerprint()}")
    with tempfile.TemporaryDirectory() as root:
        out = Path(root) / "spare"
        config = SpareConfig(width=width, height=height, train_scenes=0, scenes_per_phase=4,
                             test_views=args.views, workers=1)  # fmt: skip
        bench = SpareBenchmark(config)
        bench.build(out, seeds=BuildSeeds(public=0, hidden=HiddenKey(secret=bytes(32), scope=("bench",))))
        print(f"rendering upload: {4 * args.views} PNGs of {width}x{height} (noise), stored ZIP")
        print(f"{'upload':<22} {'MB':>6} {'precheck ms':>16} {'validate ms':>16} {'problems':>9}")
        for label, misname in (("complete", False), ("one scene misnamed", True)):
            body = _renders(public=out / "public", width=width, height=height, misname=misname)
            path = Path(root) / "renders.zip"
            path.write_bytes(body)
            payload = Payload(phase=PHASE, public_dir=out / "public", file=path)
            pre, pre_spread = _median_ms(lambda p=payload: bench.precheck(p), args.repeats)
            full, full_spread = _median_ms(lambda p=payload: bench.validate(p), args.repeats)
            count = len(bench.precheck(payload))
            print(f"{label:<22} {len(body) / 1e6:>6.1f} {pre:>9.1f} ±{pre_spread:>5.1f} "
                  f"{full:>9.1f} ±{full_spread:>5.1f} {count:>9}")  # fmt: skip
    print("first check in a web process (import and instantiate the plugin, once per process):")
    for slug in benchmark_slugs():
        print(f"  {slug:<14} {_import_seconds(slug):6.2f} s")


if __name__ == "__main__":
    main()
