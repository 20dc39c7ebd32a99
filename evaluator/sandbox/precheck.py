"""A code upload checked at upload time: read, compiled, its entry function found; nothing of it is run."""

from __future__ import annotations

import ast
from pathlib import Path

from evaluator.contract import Problem
from evaluator.sandbox.spec import SandboxError
from evaluator.sandbox.upload import MODULE, submission_files

CODE_SUFFIXES = (".py", ".zip")
ENTRY = "select"


def _binds(node: ast.stmt, name: str) -> bool | None:
    """Whether a module-level statement binds `name` (None: a star import, which may)."""
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return node.name == name
    if isinstance(node, ast.Import | ast.ImportFrom):
        if any(alias.name == "*" for alias in node.names):
            return None
        return any((alias.asname or alias.name.split(".")[0]) == name for alias in node.names)
    if isinstance(node, ast.Assign | ast.AnnAssign | ast.AugAssign):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        return any(
            isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store) and n.id == name
            for t in targets
            for n in ast.walk(t)
        )
    return False


def _statements(body: list[ast.stmt]) -> list[ast.stmt]:
    """Module-level statements, including those inside module-level if/try/with blocks."""
    found: list[ast.stmt] = []
    for node in body:
        found.append(node)
        if not isinstance(node, ast.If | ast.Try | ast.With | ast.For | ast.While):
            continue  # a def or class body binds in its own scope
        for block in ("body", "orelse", "finalbody"):
            found.extend(_statements(getattr(node, block, []) or []))
        for handler in getattr(node, "handlers", []) or []:
            found.extend(_statements(handler.body))
    return found


def defines_entry(*, source: bytes, name: str = ENTRY) -> bool:
    """Whether compiled-clean `source` binds `name` at module level (a star import counts as maybe)."""
    tree = ast.parse(source.decode("utf-8"))
    answers = [_binds(node, name) for node in _statements(tree.body)]
    return any(answer is not False for answer in answers)


def code_precheck(*, path: Path, entry: str = ENTRY) -> list[Problem]:
    """Problems of a .py or .zip code upload found without running it: archive, files, syntax, entry."""
    path = Path(path)
    if path.suffix.lower() not in CODE_SUFFIXES:
        return [Problem(path.name, "a code submission is a .py file or a .zip package")]
    try:
        files = submission_files(path=path)
    except SandboxError as exc:
        return [p.as_problem() for p in exc.problems]
    for rel in (f"{MODULE}.py", f"{MODULE}/__init__.py"):
        if rel in files.files:
            where = path.name if path.suffix.lower() == ".py" else f"{path.name}:{rel}"
            if not defines_entry(source=files.files[rel], name=entry):
                signature = f"{entry}(q, k, **info)"
                return [Problem(where, f"no_select: defines no {signature} at module level")]
            return []
    return []
