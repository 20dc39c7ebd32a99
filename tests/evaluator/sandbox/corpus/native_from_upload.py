"""Hostile: copy a real C extension (one of the interpreter's own) into the upload's folder and import it."""

import importlib.util
import os
import shutil
import sys

CANDIDATES = ("xxlimited", "_lsprof", "_statistics", "cmath", "audioop", "_bisect", "_heapq")


def select(q, k, **info):
    """Plant the first not-yet-imported extension module next to this file; import that copy."""
    for name in CANDIDATES:
        spec = importlib.util.find_spec(name)
        if name not in sys.modules and spec is not None and (spec.origin or "").endswith(".so"):
            break
    else:
        raise LookupError("no candidate extension module")
    folder = os.path.join(os.path.dirname(os.path.abspath(__file__)), "planted")
    os.makedirs(folder, exist_ok=True)
    shutil.copy(spec.origin, os.path.join(folder, os.path.basename(spec.origin)))
    sys.path.insert(0, folder)
    importlib.invalidate_caches()
    module = importlib.import_module(name)
    return {"loaded": module.__file__}
