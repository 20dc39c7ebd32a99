"""Hostile: write into the private data root, the database, the interpreter, the system and our kernels."""

TARGETS = (
    "@PRIVATE@/hidden/answers.txt",
    "@PRIVATE@/planted.txt",
    "@DATABASE@",
    "@SITE@/planted.py",
    "@USR@/planted.txt",
    "@KERNELS@/planted.py",
)


def select(q, k, **info):
    """Try each place; raise with how each attempt went ("WRITTEN" or the error's type)."""
    outcomes = []
    for path in TARGETS:
        try:
            with open(path, "a") as f:
                f.write("planted")
            outcomes.append(f"{path}: WRITTEN")
        except OSError as exc:
            outcomes.append(f"{path}: {type(exc).__name__}")
    raise PermissionError("; ".join(outcomes))
