"""Hardware fingerprint recorded with every score so absolute timings are compared like for like."""

from __future__ import annotations

import os
import platform


def hardware_fingerprint() -> dict[str, str]:
    """CPU model, core count, OS, Python and (when importable) torch version and CUDA device."""
    info = {
        "machine": platform.machine(),
        "cpu": _cpu_model(),
        "cores": str(os.cpu_count() or 0),
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
    }
    try:
        import torch

        info["torch"] = torch.__version__
        info["threads"] = str(torch.get_num_threads())
        if torch.cuda.is_available():
            info["gpu"] = torch.cuda.get_device_name(0)
    except ImportError:
        pass
    return info


def _cpu_model() -> str:
    """The CPU model name from /proc/cpuinfo, else platform.processor()."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"
