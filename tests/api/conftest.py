"""API test fixtures: re-exported from platform_fixtures (shared with the CLI tests)."""

import importlib.util
import sys
from pathlib import Path

_NAME = "sparsebench_tests_platform_fixtures"
if _NAME not in sys.modules:
    _spec = importlib.util.spec_from_file_location(_NAME, Path(__file__).with_name("platform_fixtures.py"))
    sys.modules[_NAME] = importlib.util.module_from_spec(_spec)
    _spec.loader.exec_module(sys.modules[_NAME])

from sparsebench_tests_platform_fixtures import (  # noqa: E402, F401
    benchmark,
    clients,
    entries,
    fast_password_hashing,
    phases,
    private_roots,
    scored,
    throttle_cache_clear,
    tiny_registered,
    users,
)
