"""Uploads: native code, traversal and oversize are refused before anything runs; no select is named."""

from __future__ import annotations

import zipfile

import pytest
import torch
from sb_sandbox import CORPUS, TEST_SPEC, sandbox_required

from evaluator.sandbox import SandboxedMethod, SandboxError
from evaluator.sandbox.session import code_upload_parse
from evaluator.sandbox.upload import MAX_UPLOAD_BYTES, SubmissionFiles, answer_declared, submission_files


def _zip(path, entries: dict[str, bytes]):
    with zipfile.ZipFile(path, "w") as z:
        for name, body in entries.items():
            z.writestr(name, body)
    return path


def test_submission_files_refuses_a_c_extension_in_the_upload(tmp_path):
    native = "fast.cpython-311-x86_64-linux-gnu.so"
    path = _zip(tmp_path / "s.zip", {"submission.py": b"import fast\n", native: b"\x7fELF" + b"\0" * 60})
    with pytest.raises(SandboxError) as caught:
        submission_files(path=path)
    assert caught.value.codes == ("native_extension",)
    assert caught.value.problems[0].where.endswith(native)


def test_submission_files_refuses_traversal_and_names_each_entry(tmp_path):
    path = _zip(tmp_path / "s.zip", {"../evil.py": b"x = 1\n", "submission.py": b"x = 1\n",
                                     "hidden.pyc": b"\0"})  # fmt: skip
    with pytest.raises(SandboxError) as caught:
        submission_files(path=path)
    assert set(caught.value.codes) == {"bad_archive", "native_extension"}


def test_submission_files_refuses_an_upload_over_one_mib(tmp_path):
    path = tmp_path / "big.py"
    path.write_bytes(b"#" * (MAX_UPLOAD_BYTES + 1))
    with pytest.raises(SandboxError) as caught:
        submission_files(path=path)
    assert caught.value.codes == ("upload_too_large",)


def test_submission_files_reads_a_package(tmp_path):
    core = b"def select(q, k, **info):\n    return {}\n"
    path = _zip(tmp_path / "s.zip", {"submission/__init__.py": b"from .core import select\n",
                                     "submission/core.py": core})  # fmt: skip
    assert sorted(submission_files(path=path).files) == ["submission/__init__.py", "submission/core.py"]


def test_sandboxed_method_names_an_upload_without_select():
    sandbox_required()
    method = SandboxedMethod(files=SubmissionFiles({"submission.py": b"import torch\nSELECT = None\n"}),
                             spec=TEST_SPEC)  # fmt: skip
    with pytest.raises(SandboxError) as caught:
        method.start()
    assert caught.value.codes == ("no_select",)
    assert caught.value.problems[0].where == "import" and method.proc is None


def test_sandboxed_method_loads_its_upload_into_a_warm_sandbox():
    sandbox_required()
    source = (CORPUS / "good.py").read_bytes()
    method = SandboxedMethod(files=SubmissionFiles({"submission.py": source}), spec=TEST_SPEC)
    try:
        method.warm()
        assert method.load_s is None and method.warm_s > 0
        with pytest.raises(SandboxError) as caught:  # nothing to call before the upload is in
            method.call(q=torch.zeros(1, 1, 16, 4), k=torch.zeros(1, 1, 16, 4), info={})
        assert caught.value.codes == ("closed",)
        assert method.start() == method.warm_s + method.load_s
        info = {"causal": True, "block_size": [16, 16], "layer": 0, "step": None, "geometry": None}
        answer = method.call(q=torch.zeros(1, 1, 32, 4), k=torch.zeros(1, 1, 32, 4), info=info)
        assert answer["kv_indices"].flatten().tolist() == [0, 1]
    finally:
        method.close()


def test_answer_declared_reads_the_entry_modules_literal():
    plain = SubmissionFiles({"submission.py": b"def select(q, k, **info):\n    return {}\n"})
    assert answer_declared(plain) == "layout"
    package = {"submission/__init__.py": b'ANSWER = "eviction"\n', "submission/x.py": b'ANSWER = "layout"\n'}
    assert answer_declared(SubmissionFiles(package)) == "eviction"
    for body in (b'ANSWER = "kept"\n', b"ANSWER = 'evic' + 'tion'\n", b"ANSWER: str\n"):
        with pytest.raises(SandboxError) as caught:
            answer_declared(SubmissionFiles({"submission.py": body}), upload="mine.py")
        assert caught.value.codes == ("answer_kind",) and caught.value.problems[0].where == "mine.py: ANSWER"


def test_a_benchmark_taking_layouts_only_refuses_an_eviction_upload(tmp_path):
    sandbox_required()
    path = tmp_path / "mine.py"
    path.write_bytes(b'ANSWER = "eviction"\n\ndef select(q, k, **info):\n    return {}\n')
    files, problems = code_upload_parse(path=path)
    assert files is None and [p.where for p in problems] == ["mine.py: ANSWER"]
    assert "answer_kind" in problems[0].message and "'eviction'" in problems[0].message
    files, problems = code_upload_parse(path=path, answers=("layout", "eviction"))
    assert files is not None and problems == []
