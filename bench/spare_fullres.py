"""Score a SpaRe submission at the real release resolution (1600x1200) through the plugin, end to end.

Renders (once, cached under --work) a dataset in the real SpaRe release layout with the project's own
ray tracer: Track{1,2}_split_{development,test}.json at the root, per scene cameras/pos_{i+1:03d}.txt,
images/cam_{i+1:03d}_3_0000.png and masks/cam_{i+1:03d}_3_0000.png. Then, as the platform does:
import_data into a data root, the nearest-view baseline's ZIP for track1-dev, and in a fresh child
process validate(payload) followed by score(payload, hidden_dir) (the same calls a Celery worker makes).

Usage: .venv/bin/python bench/spare_fullres.py [--scenes 6] [--views 10] [--workers 2]
                                               [--work DIR] [--size 1600x1200] [--synthetic 3]
Only the track1-dev views are rendered (3 inputs + --views tests per scene); the other three split
files reuse those scenes and views, because import_data requires all four.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shlex
import shutil
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.spare_fullres_source import SEED, source_render  # noqa: E402
from evaluator.benchmarks.spare import SpareBenchmark  # noqa: E402
from evaluator.benchmarks.spare.config import TRACK_INPUTS  # noqa: E402
from evaluator.hidden import throwaway_seeds  # noqa: E402

PHASE = "track1-dev"
BASELINE = "nearest-view"
COMPLETE = "complete.json"
#: (metric key, label, format) of the printed means.
MEANS = (
    ("psnr", "PSNR", ".2f"),
    ("psnr_m", "PSNR-M", ".2f"),
    ("ssim", "SSIM", ".4f"),
    ("ssim_m", "SSIM-M", ".4f"),
    ("lpips", "LPIPS", ".4f"),
    ("lpips_m", "LPIPS-M", ".4f"),
    ("ssim_rn", "SSIM (DTU/RegNeRF)", ".4f"),
    ("ssim_m_rn", "SSIM-M (DTU/RegNeRF)", ".4f"),
    ("lpips_m_rn", "LPIPS-M (DTU/RegNeRF)", ".4f"),
)


def tree_size(root: Path) -> tuple[int, int]:
    """(file count, bytes) under a folder."""
    files = [p for p in root.rglob("*") if p.is_file()]
    return len(files), sum(p.stat().st_size for p in files)


def vm_hwm_mib() -> float:
    """Peak resident memory of this process (VmHWM, MiB): reset by exec, unlike ru_maxrss."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024.0
    return float("nan")


def synthetic_reference(*, pairs: int) -> dict[str, float]:
    """Median wall and CPU seconds of ImageScorer.score on bench/metrics.py's synthetic 1600x1200 pairs."""
    from bench.metrics import scene_pair
    from evaluator.metrics import ImageScorer

    scorer, wall, cpu = ImageScorer(), [], []
    for seed in range(pairs):
        pred, target, mask = scene_pair(seed=seed)
        start_wall, start_cpu = time.perf_counter(), time.process_time()
        scorer.score(pred, target, mask=mask)
        wall.append(time.perf_counter() - start_wall)
        cpu.append(time.process_time() - start_cpu)
    return {"pairs": pairs, "wall_s": statistics.median(wall), "cpu_s": statistics.median(cpu)}


def score_child(*, data_root: Path, zip_path: Path, synthetic: int) -> None:
    """In a fresh process: validate then score the submission as a worker does; print JSON figures.

    The peak RSS is read right after score(); then, in the same warm process, `synthetic` pairs of
    bench/metrics.py are scored as a like-for-like reference for the machine's state at the time.
    """
    from evaluator.contract import Payload

    bench = SpareBenchmark()
    payload = Payload(phase=PHASE, public_dir=data_root / "public", file=zip_path)
    wall0, cpu0 = time.perf_counter(), time.process_time()
    problems = bench.validate(payload)
    wall1, cpu1 = time.perf_counter(), time.process_time()
    stream_start: list[float] = []

    def progress(fraction: float, stage: str) -> None:
        """Note when the per-image stream begins (after the re-validation and the LPIPS load)."""
        if not stream_start:
            stream_start.append(time.perf_counter())

    report = bench.score(payload, data_root / "hidden", progress)
    wall2, cpu2 = time.perf_counter(), time.process_time()
    result = {
        "problems": [str(p) for p in problems],
        "validate_wall_s": wall1 - wall0,
        "validate_cpu_s": cpu1 - cpu0,
        "score_wall_s": wall2 - wall1,
        "score_cpu_s": cpu2 - cpu1,
        "score_setup_s": stream_start[0] - wall1,
        "score_stream_s": wall2 - stream_start[0],
        "vm_hwm_mib": vm_hwm_mib(),
        "hardware": dict(report.hardware),
        "splits": {
            name: {
                "metrics": dict(split.metrics),
                "items": [[i.item, i.group, dict(i.values)] for i in split.items],
            }
            for name, split in report.splits.items()
        },
    }
    if synthetic:
        result["synthetic"] = synthetic_reference(pairs=synthetic)
    print(json.dumps(result))


def score_in_child(*, data_root: Path, zip_path: Path, synthetic: int) -> tuple[dict, dict]:
    """Run score_child in a fresh interpreter; returns its figures and its own rusage and load samples."""
    cmd = [sys.executable, __file__, "--score-child", str(data_root), str(zip_path)]
    cmd += ["--synthetic", str(synthetic)]
    loads: list[float] = []
    done = threading.Event()

    def sample() -> None:
        """Record the 1-minute load average every 2 s while the child runs."""
        while not done.wait(2.0):
            loads.append(os.getloadavg()[0])

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - start
    done.set()
    sampler.join()
    if proc.returncode != 0:
        raise SystemExit(f"scoring child failed with exit code {proc.returncode}")
    own = {
        "wall_s": wall,
        "cpu_s": usage.ru_utime + usage.ru_stime,
        "ru_maxrss_mib": usage.ru_maxrss / 1024,
        "loads": loads,
    }
    return json.loads(out), own


def report_check(*, figures: dict, hidden: Path, expected: int) -> tuple[int, int]:
    """Assert the report's items: the expected count, every metric each, finite or n/a on an empty mask."""
    items = [item for split in figures["splits"].values() for item in split["items"]]
    if len(items) != expected:
        raise SystemExit(f"expected {expected} item scores, got {len(items)}")
    na = 0
    for name, scene, values in items:
        if sorted(values) != sorted(k for k, _, _ in MEANS):
            raise SystemExit(f"{name}: metrics {sorted(values)}, expected {sorted(k for k, _, _ in MEANS)}")
        for key, value in values.items():
            if value is None:
                boxes = json.loads((hidden / PHASE / scene / "boxes.json").read_text())
                masked = key.endswith("_m") or key.endswith("_m_rn")
                if not masked or boxes[name.split("/", 1)[1]] is not None:
                    raise SystemExit(f"{name}: {key} is n/a but its object mask is not empty")
                na += 1
            elif not math.isfinite(value):
                raise SystemExit(f"{name}: {key} = {value} is not finite")
    return len(items), na


def fmt(value: float | None, spec: str) -> str:
    """A metric value with a format, None as n/a."""
    return "n/a" if value is None else format(value, spec)


def loads_text(loads: tuple[float, ...]) -> str:
    """Load averages as a/b/c."""
    return "/".join(f"{v:.2f}" for v in loads)


def run(args: argparse.Namespace, *, width: int, height: int) -> dict:
    """Render (or reuse) the source, import it, build the baseline ZIP and score it in a child."""
    key = f"{width}x{height}-s{args.scenes}-v{args.views}-seed{SEED}"
    work = args.work.resolve()
    source, data_root = work / "source" / key, work / "data" / key
    out = {"load_before": os.getloadavg()}
    out["render"] = source_render(
        source=source, scenes=args.scenes, views=args.views, width=width, height=height, workers=args.workers
    )
    if out["render"]["views"]:
        (source / COMPLETE).write_text(json.dumps({**out["render"], "workers": args.workers}))
    elif (source / COMPLETE).is_file():
        out["render_earlier"] = json.loads((source / COMPLETE).read_text())
    print(f"rendered {out['render']['views']} views in {out['render']['wall_s']:.1f} s", flush=True)

    shutil.rmtree(data_root, ignore_errors=True)
    bench = SpareBenchmark()
    start = time.perf_counter()
    bench.import_data(source, data_root, hidden=throwaway_seeds().hidden)
    out["import_s"] = time.perf_counter() - start
    print(f"imported in {out['import_s']:.1f} s", flush=True)

    start = time.perf_counter()
    baseline = next(b for b in bench.baselines() if b.name == BASELINE)
    payload = baseline.make_payload(data_root / "public", PHASE, work / "submissions" / key)
    out["zip_s"] = time.perf_counter() - start
    out["zip_mib"] = Path(payload.file).stat().st_size / 2**20
    print(f"built the {BASELINE} submission in {out['zip_s']:.1f} s; scoring in a child process", flush=True)

    out["figures"], out["child"] = score_in_child(
        data_root=data_root, zip_path=Path(payload.file), synthetic=args.synthetic
    )
    if out["figures"]["problems"]:
        raise SystemExit("validation problems:\n" + "\n".join(out["figures"]["problems"]))
    out["count"], out["na"] = report_check(
        figures=out["figures"], hidden=data_root / "hidden", expected=args.scenes * args.views
    )
    out["load_after"] = os.getloadavg()
    out["source_size"], out["data_size"] = tree_size(source), tree_size(data_root)
    return out


def render_summary(render: dict, *, workers: int) -> str:
    """Render wall time, view count, workers and the median seconds per view inside a worker."""
    return (
        f"{render['wall_s']:.1f} s wall for {render['views']} views, {workers} workers"
        f" ({np.median(render['view_s']):.1f} s/view median inside a worker)"
    )


def synthetic_row(figures: dict, *, count: int, full_res: bool) -> tuple[str, str]:
    """The reference row: synthetic 1600x1200 pairs scored in the same child, against the real stream."""
    ref = figures.get("synthetic")
    if not ref:
        return ("synthetic reference (bench/metrics.py pairs)", "not run (--synthetic 0)")
    ratio = figures["score_stream_s"] / count / ref["wall_s"]
    compare = (
        f"real stream / synthetic = {ratio:.2f}x per image (wall; the stream adds PNG decoding)"
        if full_res
        else "no ratio: the dataset is not 1600x1200"
    )
    return (
        f"synthetic reference: {ref['pairs']} bench/metrics.py 1600x1200 pairs, same child, after",
        f"ImageScorer.score {ref['wall_s']:.2f} s wall, {ref['cpu_s']:.2f} s CPU per pair"
        f" (median); {compare}",
    )


def table_rows(args: argparse.Namespace, run: dict, *, width: int, height: int) -> list[tuple[str, str]]:
    """The (measure, value) rows of the printed table."""
    figures, child, render, count = run["figures"], run["child"], run["render"], run["count"]
    hw = figures["hardware"]
    loads = child["loads"] or [float("nan")]
    earlier = run.get("render_earlier")
    if render["view_s"]:
        render_text = render_summary(render, workers=args.workers)
    elif earlier:
        render_text = f"cached; when rendered: {render_summary(earlier, workers=earlier['workers'])}"
    else:
        render_text = "cached (no record of the render time)"
    rows = [
        (
            "machine",
            f"{hw['cpu']}, {hw['cores']} cores, torch {hw.get('torch', '?')} with"
            f" {hw.get('threads', '?')} threads, Python {hw['python']}",
        ),
        ("command", "`" + shlex.join([".venv/bin/python", "bench/spare_fullres.py", *sys.argv[1:]]) + "`"),
        (
            "dataset (real SpaRe layout)",
            f"{width}x{height}, {args.scenes} scenes x ({TRACK_INPUTS[1]} inputs + {args.views} tests),"
            f" seed {SEED}; source {run['source_size'][0]} files, {run['source_size'][1] / 2**20:.0f} MiB",
        ),
        ("render (project ray tracer)", render_text),
        (
            "import_data (4 split files)",
            f"{run['import_s']:.1f} s wall; data root {run['data_size'][0]} files,"
            f" {run['data_size'][1] / 2**20:.0f} MiB",
        ),
        (
            f"submission ZIP ({BASELINE}, {PHASE})",
            f"{run['zip_s']:.1f} s to build; {count} PNGs, {run['zip_mib']:.1f} MiB",
        ),
        (
            "validate(payload), child",
            f"{figures['validate_wall_s']:.2f} s wall, {figures['validate_cpu_s']:.2f} s CPU; 0 problems",
        ),
        (
            "score(payload, hidden_dir), child",
            f"{figures['score_wall_s']:.1f} s wall, {figures['score_cpu_s']:.1f} s CPU (re-validation and"
            f" LPIPS load {figures['score_setup_s']:.1f} s, image stream {figures['score_stream_s']:.1f} s)",
        ),
        (
            "seconds per image",
            f"{figures['score_wall_s'] / count:.2f} s wall (score / {count});"
            f" {figures['score_stream_s'] / count:.2f} s wall in the stream;"
            f" {figures['score_cpu_s'] / count:.2f} s CPU",
        ),
        (
            "child process, whole",
            f"{child['wall_s']:.1f} s wall, {child['cpu_s']:.1f} s CPU"
            " (interpreter start, imports and the synthetic reference included)",
        ),
        (
            "peak RSS of the child",
            f"{figures['vm_hwm_mib']:.0f} MiB (VmHWM read right after score()); ru_maxrss of the whole"
            f" child {child['ru_maxrss_mib']:.0f} MiB (includes the synthetic reference, and can keep the"
            " parent's peak across exec)",
        ),
        synthetic_row(figures, count=count, full_res=(width, height) == (1600, 1200)),
        (
            "item scores",
            f"{count}, {len(MEANS)} metrics each, all finite; {run['na']} masked values n/a (empty mask)",
        ),
    ]
    for split, data in figures["splits"].items():
        m = data["metrics"]
        scenes = len({item[1] for item in data["items"]})
        rows.append(
            (
                f"{PHASE} {split} mean ({scenes} scenes, {len(data['items'])} images)",
                ", ".join(f"{label} {fmt(m[key], spec)}" for key, label, spec in MEANS),
            )
        )
    rows.append(
        (
            "load average (1/5/15 min)",
            f"before {loads_text(run['load_before'])};"
            f" 1-min during scoring {min(loads):.2f}-{max(loads):.2f}; after {loads_text(run['load_after'])}",
        )
    )
    return rows


def main() -> None:
    """Parse the options, run every stage and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenes", type=int, default=6)
    parser.add_argument("--views", type=int, default=10, help="test views per scene")
    parser.add_argument("--workers", type=int, default=2, help="render processes")
    parser.add_argument(
        "--work",
        type=Path,
        default=ROOT / "var" / "bench" / "spare_fullres",
        help="cache folder (default var/bench/spare_fullres)",
    )
    parser.add_argument("--size", default="1600x1200", help="WxH, 4:3, at most 1600x1200")
    parser.add_argument(
        "--synthetic", type=int, default=3, help="bench/metrics.py pairs scored after, as a reference"
    )
    parser.add_argument("--score-child", nargs=2, type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.score_child:
        score_child(data_root=args.score_child[0], zip_path=args.score_child[1], synthetic=args.synthetic)
        return
    try:
        width, height = (int(v) for v in args.size.lower().split("x"))
    except ValueError:
        raise SystemExit(f"--size {args.size}: expected WxH, e.g. 1600x1200") from None
    if width * 3 != height * 4 or not 16 <= width <= 1600:
        raise SystemExit(f"--size {args.size}: must be 4:3 between 16x12 and 1600x1200")
    if args.scenes < 1 or not 2 <= args.views <= 16 or args.workers < 1:
        raise SystemExit("--scenes >= 1, --views in 2..16 and --workers >= 1 are required")
    result = run(args, width=width, height=height)
    print()
    print("| measure | value |")
    print("|---|---|")
    for name, value in table_rows(args, result, width=width, height=height):
        print(f"| {name} | {value} |")


if __name__ == "__main__":
    main()
