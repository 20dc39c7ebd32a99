"""A code upload checked at upload time: its archive and files read, compiled, its select found, not run."""

from __future__ import annotations

import io
import zipfile

import pytest

from evaluator.sandbox.precheck import code_precheck, defines_entry


def _zip(path, members):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, body in members.items():
            archive.writestr(name, body)
    path.write_bytes(buffer.getvalue())
    return path


@pytest.mark.parametrize(
    "source",
    [
        "def select(q, k, **info):\n    return {}\n",
        "async def select(q, k):\n    pass\n",
        "from .impl import select\n",
        "from impl import choose as select\n",
        "import numpy as np\nselect = lambda q, k, **info: {}\n",
        "try:\n    from fast import select\nexcept ImportError:\n"
        "    def select(q, k, **info):\n        return {}\n",
        "class select:\n    def __call__(self, q, k):\n        return {}\n",
        "from .impl import *\n",  # may bind it: the worker's import decides
    ],
)
def test_defines_entry_finds_module_level_bindings(source):
    assert defines_entry(source=source.encode())


@pytest.mark.parametrize(
    "source",
    [
        "def choose(q, k, **info):\n    return {}\n",
        "def outer():\n    def select(q, k):\n        return {}\n",
        "class Method:\n    def select(self, q, k):\n        return {}\n",
        "print(select)\n",
    ],
)
def test_defines_entry_refuses_sources_without_a_module_level_select(source):
    assert not defines_entry(source=source.encode())


def test_code_precheck_names_the_uploaded_file_without_running_it(tmp_path):
    ran = tmp_path / "ran"
    path = tmp_path / "my method.py"
    path.write_text(f"open({str(ran)!r}, 'w').write('x')\ndef choose(q, k):\n    return {{}}\n")
    problems = code_precheck(path=path)
    assert [str(p) for p in problems] == [
        "my method.py: no_select: defines no select(q, k, **info) at module level"
    ]
    assert not ran.exists()


def test_code_precheck_reports_a_syntax_error_with_the_uploaded_name(tmp_path):
    path = tmp_path / "method.py"
    path.write_text("def select(q, k:\n    return {}\n")
    problems = code_precheck(path=path)
    assert len(problems) == 1 and problems[0].where == "method.py"
    assert (
        problems[0].message.startswith("bad_source: not valid UTF-8 Python")
        and "line 1" in problems[0].message
    )


def test_code_precheck_of_a_package_lists_every_refused_file(tmp_path):
    path = _zip(tmp_path / "pkg.zip", {"submission.py": "def select(q, k): ...\n", "fast.so": b"\x7fELF",
                                       "weights.bin": b"\0"})  # fmt: skip
    assert [p.where for p in code_precheck(path=path)] == ["pkg.zip:fast.so", "pkg.zip:weights.bin"]
    path = _zip(tmp_path / "pkg2.zip", {"submission/__init__.py": "from .impl import select\n",
                                        "submission/impl.py": "def select(q, k): ...\n"})  # fmt: skip
    assert code_precheck(path=path) == []
    path = _zip(tmp_path / "pkg3.zip", {"submission/__init__.py": "x = 1\n"})
    assert [str(p) for p in code_precheck(path=path)] == [
        "pkg3.zip:submission/__init__.py: no_select: defines no select(q, k, **info) at module level"
    ]


def test_code_precheck_refuses_another_kind_of_file_and_a_broken_zip(tmp_path):
    other = tmp_path / "method.txt"
    other.write_text("def select(): pass")
    assert [p.where for p in code_precheck(path=other)] == ["method.txt"]
    broken = tmp_path / "method.zip"
    broken.write_bytes(b"PK\x03\x04 broken")
    problems = code_precheck(path=broken)
    assert [p.where for p in problems] == ["method.zip"] and "not a readable ZIP" in problems[0].message
