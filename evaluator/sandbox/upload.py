"""Read a code submission (one .py file or a ZIP of a small pure-Python package) into checked files."""

from __future__ import annotations

import ast
import io
import stat
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from evaluator.sandbox.spec import MIB, SandboxError, SandboxProblem, problem

MAX_UPLOAD_BYTES = 1 * MIB
MAX_ENTRIES = 256
MAX_UNPACKED_BYTES = 4 * MIB
MODULE = "submission"
NATIVE_SUFFIXES = (".so", ".pyd", ".dll", ".dylib", ".pyc", ".pyo")
DATA_SUFFIXES = (".py", ".json", ".txt", ".md", ".csv", ".npy", ".npz", ".toml", ".cfg")
NATIVE_MAGICS = (b"\x7fELF", b"MZ", b"\xcf\xfa\xed\xfe", b"\xca\xfe\xba\xbe")
#: What ``select`` may answer, declared by the entry module's ``ANSWER = "..."`` (default "layout"):
#: key blocks (and tokens) per query block, or the key positions each KV head keeps after the prompt.
ANSWERS = ("layout", "eviction")
ANSWER_NAME = "ANSWER"


@dataclass(frozen=True)
class SubmissionFiles:
    """The upload's files (relative POSIX path -> bytes); the entry module is ``submission``."""

    files: dict[str, bytes]

    @property
    def size(self) -> int:
        """Total bytes."""
        return sum(len(b) for b in self.files.values())


def submission_files(*, path: Path) -> SubmissionFiles:
    """The checked files of ``path``: a ``.py`` (becomes submission.py) or a ``.zip`` holding
    ``submission.py`` or ``submission/__init__.py``; every problem named, native code refused."""
    path = Path(path)
    size = path.stat().st_size
    if size > MAX_UPLOAD_BYTES:
        raise problem("upload_too_large", f"{size} bytes, at most {MAX_UPLOAD_BYTES}", where=path.name)
    data = path.read_bytes()
    if path.suffix == ".py":
        _check_source(name=path.name, data=data)
        return SubmissionFiles({f"{MODULE}.py": data})
    if path.suffix != ".zip":
        raise problem("upload_kind", "a submission is one .py file or a .zip", where=path.name)
    return _zip_files(data=data, name=path.name)


def _zip_files(*, data: bytes, name: str) -> SubmissionFiles:
    """The files of a ZIP after checking entries, links, traversal, sizes and native code."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise problem("bad_archive", f"not a readable ZIP ({exc})", where=name) from None
    if len(infos) > MAX_ENTRIES:
        raise problem("bad_archive", f"{len(infos)} entries, at most {MAX_ENTRIES}", where=name)
    problems: list[SandboxProblem] = []
    files: dict[str, bytes] = {}
    total = 0
    for info in infos:
        where = f"{name}:{info.filename}"
        rel = PurePosixPath(info.filename)
        mode = info.external_attr >> 16
        if rel.is_absolute() or ".." in rel.parts or "\\" in info.filename or not rel.parts:
            problems.append(SandboxProblem("bad_archive", "path leaves the archive", where=where))
            continue
        if stat.S_ISLNK(mode):
            problems.append(SandboxProblem("bad_archive", "links are refused", where=where))
            continue
        if info.is_dir():
            continue
        total += info.file_size
        if total > MAX_UNPACKED_BYTES:
            raise problem("bad_archive", f"unpacks to more than {MAX_UNPACKED_BYTES} bytes", where=name)
        if rel.suffix.lower() in NATIVE_SUFFIXES:
            problems.append(SandboxProblem("native_extension", "compiled code is refused (pure Python)",
                                           where=where))  # fmt: skip
            continue
        if rel.suffix.lower() not in DATA_SUFFIXES:
            problems.append(SandboxProblem("bad_archive", f"file type not accepted ({DATA_SUFFIXES})",
                                           where=where))  # fmt: skip
            continue
        try:
            body = archive.read(info)
        except (zipfile.BadZipFile, ValueError, OSError, NotImplementedError) as exc:
            problems.append(SandboxProblem("bad_archive", f"unreadable entry ({exc})", where=where))
            continue
        if body.startswith(NATIVE_MAGICS):
            problems.append(SandboxProblem("native_extension", "compiled code is refused (pure Python)",
                                           where=where))  # fmt: skip
            continue
        files[rel.as_posix()] = body
    if not problems and f"{MODULE}.py" not in files and f"{MODULE}/__init__.py" not in files:
        problems.append(SandboxProblem("no_entry", f"needs {MODULE}.py or {MODULE}/__init__.py", where=name))
    if problems:
        raise SandboxError(problems)
    for rel, body in files.items():
        if rel.endswith(".py"):
            _check_source(name=f"{name}:{rel}", data=body)
    return SubmissionFiles(files)


def _check_source(*, name: str, data: bytes) -> None:
    """Raise unless ``data`` is UTF-8 Python source that compiles."""
    if data.startswith(NATIVE_MAGICS):
        raise problem("native_extension", "compiled code is refused (pure Python)", where=name)
    try:
        compile(data.decode("utf-8"), name, "exec", dont_inherit=True)
    except (UnicodeDecodeError, SyntaxError, ValueError) as exc:
        raise problem("bad_source", f"not valid UTF-8 Python ({exc})", where=name) from None


def answer_declared(files: SubmissionFiles, *, upload: str = "") -> str:
    """The answer the entry module declares by a top-level ``ANSWER = "<one of ANSWERS>"`` (a string
    literal, read without running the code); "layout" when it declares none. ``upload``: the uploaded
    file's name, for the problem's place."""
    entry = f"{MODULE}.py" if f"{MODULE}.py" in files.files else f"{MODULE}/__init__.py"
    shown = upload if upload.endswith(".py") else f"{upload}:{entry}" if upload else entry
    where = f"{shown}: {ANSWER_NAME}"
    found = "layout"
    for node in ast.parse(files.files.get(entry, b"").decode("utf-8")).body:
        targets = node.targets if isinstance(node, ast.Assign) else [getattr(node, "target", None)]
        if not any(isinstance(t, ast.Name) and t.id == ANSWER_NAME for t in targets):
            continue
        value = getattr(node, "value", None)
        if not isinstance(value, ast.Constant) or value.value not in ANSWERS:
            got = ast.unparse(value)[:60] if value is not None else "nothing"
            raise problem("answer_kind", f"must be one of {list(ANSWERS)} as a string literal, got {got}",
                          where=where)  # fmt: skip
        found = value.value
    return found
