"""Hostile: write into the private data root, the interpreter and the system."""


def select(q, k, **info):
    """Try each place; raise with how each attempt failed (all must)."""
    errors = []
    for path in ("@PRIVATE@/hidden/answers.txt", "@PRIVATE@/planted.txt", "@SITE@/planted.py",
                 "/usr/planted.txt", "/sandbox/lib/kernels/planted.py"):
        try:
            with open(path, "w") as f:
                f.write("planted")
            errors.append(f"{path}: WRITTEN")
        except OSError as exc:
            errors.append(f"{path}: {type(exc).__name__}")
    raise PermissionError("; ".join(errors))
