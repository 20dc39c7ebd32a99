"""What CI=true changes for the tests: optional parts (compiled kernels, triton) must be there."""

from __future__ import annotations

import os

import pytest

IN_CI = os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def skip_unless_ci(missing: str | None) -> pytest.MarkDecorator:
    """Mark: skip with ``missing`` (why a part is unavailable) outside CI; under CI run (and fail)."""
    return pytest.mark.skipif(missing is not None and not IN_CI, reason=f"unavailable here: {missing}")


def skip_now_unless_ci(missing: str | None) -> None:
    """Inside a test: skip with ``missing`` outside CI when it is not None; under CI carry on (and fail)."""
    if missing is not None and not IN_CI:
        pytest.skip(f"unavailable here: {missing}")
