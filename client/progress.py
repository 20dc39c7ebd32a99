"""A plain-text progress bar drawn on a stream (stderr by default), redrawn in place."""

from __future__ import annotations

import sys
from typing import TextIO


def progress_line(*, fraction: float, stage: str, status: str, width: int = 30) -> str:
    """One bar line: `[#####.....]  42% running: scoring scene 3`; fraction is clamped to [0, 1]."""
    if width < 1:
        raise ValueError(f"width must be positive, got {width}")
    fraction = min(max(float(fraction), 0.0), 1.0)
    filled = int(round(fraction * width))
    bar = "#" * filled + "." * (width - filled)
    text = f"{status}: {stage}" if stage else status
    return f"[{bar}] {fraction * 100:3.0f}% {text}"


class ProgressBar:
    """Shows each stage as it happens: on a terminal the line of the current stage is redrawn in place and
    kept when the stage changes; elsewhere (a log, a pipe) one line is written per new stage."""

    def __init__(self, *, stream: TextIO | None = None, width: int = 30) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.width = width
        self._last_len = 0
        self._last_state: tuple[str, str] | None = None
        self._live = bool(getattr(self.stream, "isatty", lambda: False)())

    def update(self, *, fraction: float, stage: str, status: str) -> None:
        """Draw the bar for the given state: over the previous one, or on a new line for a new stage."""
        line = progress_line(fraction=fraction, stage=stage, status=status, width=self.width)
        new_stage = (status, stage) != self._last_state
        self._last_state = (status, stage)
        if not self._live:
            if new_stage:
                self.stream.write(line + "\n")
                self.stream.flush()
            return
        if new_stage and self._last_len:
            self.stream.write("\n")
            self._last_len = 0
        padding = " " * max(self._last_len - len(line), 0)
        self.stream.write("\r" + line + padding)
        self.stream.flush()
        self._last_len = len(line)

    def close(self) -> None:
        """Finish the line so later output starts on a fresh one."""
        if self._last_len:
            self.stream.write("\n")
            self.stream.flush()
            self._last_len = 0
