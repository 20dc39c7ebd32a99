"""Benchmark of the image metrics: fast scorer vs a plain per-image loop, and peak memory of a stream.

Run: .venv/bin/python bench/metrics.py [--pairs 3] [--repeats 5] [--stream 60]
"""

from __future__ import annotations

import argparse
import math
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from evaluator.hardware import hardware_fingerprint  # noqa: E402
from evaluator.metrics import SPARE_KEYS, ImageScorer, mask_box  # noqa: E402

HEIGHT, WIDTH = 1200, 1600


def scene_pair(*, seed: int, height: int = HEIGHT, width: int = WIDTH) -> tuple[np.ndarray, ...]:
    """A structured synthetic target, a degraded prediction and an elliptic object mask."""
    rng = np.random.default_rng(seed)
    rows = np.linspace(0.0, 1.0, height)[:, None]
    cols = np.linspace(0.0, 1.0, width)[None, :]
    freq = rng.uniform(4.0, 24.0, size=3)
    target = np.empty((height, width, 3))
    for channel in range(3):
        wave = np.sin(2 * math.pi * freq[channel] * (rows * 0.7 + cols * (0.3 + 0.1 * channel)))
        target[..., channel] = 0.5 + 0.25 * wave + 0.2 * (rows - cols)
    cy, cx = rng.uniform(0.3, 0.7) * height, rng.uniform(0.3, 0.7) * width
    ry, rx = rng.uniform(0.12, 0.3) * height, rng.uniform(0.12, 0.3) * width
    mask = ((np.arange(height)[:, None] - cy) / ry) ** 2 + ((np.arange(width)[None, :] - cx) / rx) ** 2 <= 1
    target[mask] = target[mask] * 0.6 + 0.3 * rng.random(3)
    target = np.clip(target + 0.03 * rng.standard_normal(target.shape), 0.0, 1.0)
    pred = np.roll(target, shift=(2, -3), axis=(0, 1)) * 0.95 + 0.02
    pred = np.clip(pred + 0.04 * rng.standard_normal(pred.shape), 0.0, 1.0)
    return pred, target, mask


class PlainScorer:
    """The baseline: a plain per-image loop of skimage.metrics plus a straightforward LPIPS call.

    PSNR with skimage.metrics.peak_signal_noise_ratio; PSNR-M as the numpy MSE over the mask; SSIM and
    SSIM-M with skimage.metrics.structural_similarity (pinned parameters) on the image and on the box
    crop; LPIPS and LPIPS-M each by one call of the same LPIPS network: loaded once, but used as a
    fresh nn.Module is (parameters requiring grad, no inference_mode, NCHW), through its plain forward
    (out-of-place ops, linear layers on the full maps), with the numpy -> tensor conversion done
    again in every call; in float64 ("full precision", as skimage computes) or float32.
    """

    def __init__(self, *, dtype: str = "float64") -> None:
        import torch

        from evaluator.metrics.lpips_net import lpips_net_load

        self.dtype = getattr(torch, dtype)
        self.net = lpips_net_load().to(self.dtype).requires_grad_(True)

    def lpips(self, pred: np.ndarray, target: np.ndarray) -> float:
        """One plain LPIPS call."""
        import torch

        a = torch.tensor(pred.transpose(2, 0, 1)[None], dtype=torch.float32).to(self.dtype) * 2 - 1
        b = torch.tensor(target.transpose(2, 0, 1)[None], dtype=torch.float32).to(self.dtype) * 2 - 1
        return float(self.net(a, b).item())

    def score(self, pred: np.ndarray, target: np.ndarray, *, mask: np.ndarray) -> dict[str, float | None]:
        """The six metrics, each computed on its own."""
        from skimage.metrics import peak_signal_noise_ratio, structural_similarity

        def sk_ssim(x: np.ndarray, y: np.ndarray) -> float:
            return float(
                structural_similarity(
                    x,
                    y,
                    gaussian_weights=True,
                    sigma=1.5,
                    use_sample_covariance=False,
                    data_range=1.0,
                    channel_axis=-1,
                )
            )

        box = mask_box(mask)
        masked_mse = float(np.mean((pred[mask] - target[mask]) ** 2))
        return {
            "psnr": float(peak_signal_noise_ratio(target, pred, data_range=1.0)),
            "psnr_m": 10 * math.log10(1 / masked_mse),
            "ssim": sk_ssim(pred, target),
            "ssim_m": sk_ssim(box.crop(pred), box.crop(target)),
            "lpips": self.lpips(pred, target),
            "lpips_m": self.lpips(box.crop(pred), box.crop(target)),
        }


def speed_table(*, pairs: int, repeats: int) -> tuple[list[str], float]:
    """Interleaved timing of both scorers on the same pairs; returns table lines and the max |diff|.

    Each repeat scores every pair with the plain scorer and then with the fast one (pair by pair),
    after one warm-up round; wall and CPU (process) seconds per image pair are recorded per repeat.
    """
    scenes = [scene_pair(seed=seed) for seed in range(pairs)]
    scorers = {
        "plain-f64": PlainScorer(dtype="float64"),
        "plain-f32": PlainScorer(dtype="float32"),
        "fast": ImageScorer(regnerf=False),
        "fast+regnerf": ImageScorer(),  # the six plus the three DTU/RegNeRF metrics, as spare scores
    }
    wall: dict[str, list[float]] = {name: [] for name in scorers}
    cpu: dict[str, list[float]] = {name: [] for name in scorers}
    max_diff = 0.0
    for scorer in scorers.values():
        for pred, target, mask in scenes:
            scorer.score(pred, target, mask=mask)  # warm-up: oneDNN primitives, caches
    for _ in range(repeats):
        spent = {name: [0.0, 0.0] for name in scorers}
        for pred, target, mask in scenes:
            results = {}
            for name, scorer in scorers.items():
                start_wall, start_cpu = time.perf_counter(), time.process_time()
                results[name] = scorer.score(pred, target, mask=mask)
                spent[name][0] += time.perf_counter() - start_wall
                spent[name][1] += time.process_time() - start_cpu
            for name in ("plain-f64", "plain-f32"):
                diffs = (abs(results[name][k] - results["fast"][k]) for k in SPARE_KEYS)
                max_diff = max(max_diff, *diffs)
        for name in scorers:
            wall[name].append(spent[name][0] / pairs)
            cpu[name].append(spent[name][1] / pairs)
    lines = [
        "| scorer | wall s / pair, median | wall min-max | CPU s / pair, median"
        " | fast speed-up (wall) | (CPU) |",
        "|---|---|---|---|---|---|",
    ]
    for name in scorers:
        speed_wall = statistics.median(wall[name]) / statistics.median(wall["fast"])
        speed_cpu = statistics.median(cpu[name]) / statistics.median(cpu["fast"])
        lines.append(
            f"| {name} | {statistics.median(wall[name]):.3f} | {min(wall[name]):.3f}-{max(wall[name]):.3f}"
            f" | {statistics.median(cpu[name]):.3f} | {speed_wall:.2f}x | {speed_cpu:.2f}x |"
        )
    return lines, max_diff


def parts_table(*, repeats: int) -> list[str]:
    """Median CPU seconds of each part (plain float32 vs fast) on pair 0, interleaved."""
    from skimage.metrics import structural_similarity

    from evaluator.metrics.lpips import lpips_checked
    from evaluator.metrics.ssim import ssim_map

    pred, target, mask = scene_pair(seed=0)
    box = mask_box(mask)
    crops = (box.crop(pred), box.crop(target))
    plain = PlainScorer(dtype="float32")

    def sk_ssim(x: np.ndarray, y: np.ndarray) -> float:
        pinned = {"gaussian_weights": True, "sigma": 1.5, "use_sample_covariance": False}
        return structural_similarity(x, y, data_range=1.0, channel_axis=-1, **pinned)

    parts = {
        "SSIM + SSIM-M": (lambda: (sk_ssim(pred, target), sk_ssim(*crops)), lambda: ssim_map(pred, target)),
        "LPIPS (whole)": (lambda: plain.lpips(pred, target), lambda: lpips_checked(pred, target)),
        "LPIPS-M (box)": (lambda: plain.lpips(*crops), lambda: lpips_checked(*crops)),
    }
    lines = [
        f"| part (pair 0, box {box.height}x{box.width}) | plain-f32 CPU s | fast CPU s |",
        "|---|---|---|",
    ]
    for label, pair in parts.items():
        spent: list[list[float]] = [[], []]
        for _ in range(repeats + 1):
            for index, func in enumerate(pair):
                start = time.process_time()
                func()
                spent[index].append(time.process_time() - start)
        plain_s, fast_s = (statistics.median(values[1:]) for values in spent)
        lines.append(f"| {label} | {plain_s:.3f} | {fast_s:.3f} |")
    return lines


def stream_child(*, count: int, baseline: bool) -> None:
    """Score `count` generated pairs one at a time and print the peak RSS in MiB."""
    scorer = PlainScorer(dtype="float32") if baseline else ImageScorer()  # all nine, as spare scores
    start = time.perf_counter()
    for seed in range(count):
        pred, target, mask = scene_pair(seed=seed)
        scorer.score(pred, target, mask=mask)
    elapsed = time.perf_counter() - start
    print(f"{peak_rss_mib():.0f} {elapsed:.1f}")


def peak_rss_mib() -> float:
    """Peak RSS of this process in MiB from VmHWM (ru_maxrss keeps the parent's peak across exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024.0
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def stream_row(*, count: int, baseline: bool) -> str:
    """Run stream_child in a fresh interpreter and format its peak RSS as a table row."""
    cmd = [sys.executable, __file__, "--stream-child", str(count)] + (["--baseline"] if baseline else [])
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout.split()
    name = "plain-f32" if baseline else "fast+regnerf"
    return f"| {name} | {count} | {out[0]} | {float(out[1]) / count:.2f} |"


def main() -> None:
    """Parse options and print the tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--stream", type=int, default=60)
    parser.add_argument("--baseline-stream", type=int, default=5)
    parser.add_argument("--stream-child", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--baseline", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.stream_child:
        stream_child(count=args.stream_child, baseline=args.baseline)
        return
    print("machine:", ", ".join(f"{k}={v}" for k, v in hardware_fingerprint().items()))
    setup = f"{args.pairs} pairs, {args.repeats} interleaved repeats"
    print(f"\nSpaRe's six metrics of {WIDTH}x{HEIGHT} pairs ({setup}); fast+regnerf adds the three")
    print("DTU/RegNeRF ones (uniform-window SSIM, white-composite SSIM-M and LPIPS-M)\n")
    lines, max_diff = speed_table(pairs=args.pairs, repeats=args.repeats)
    print("\n".join(lines))
    print(f"\nmax |fast - plain| over all metrics, pairs and both baselines: {max_diff:.2e}")
    print("\nWhere the time goes (CPU seconds, first repeat dropped as warm-up)\n")
    print("\n".join(parts_table(repeats=3)))
    print("\nStreamed scoring, peak RSS of a fresh process\n")
    print("| scorer | images | peak RSS MiB | s / image |")
    print("|---|---|---|---|")
    if args.baseline_stream:
        print(stream_row(count=args.baseline_stream, baseline=True))
    if args.stream:
        print(stream_row(count=args.stream, baseline=False))


if __name__ == "__main__":
    main()
