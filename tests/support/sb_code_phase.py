"""A test benchmark's spec redeclared to take code files (.py/.zip) on some of its phases."""

from __future__ import annotations

import dataclasses

from evaluator.contract import BenchmarkSpec, SubmissionFormat, SubmissionKind

CODE = b'"""A method."""\n\n\ndef select(q, k, **info):\n    return {"block_mask": None}\n'
CODE_FORMAT = SubmissionFormat(
    kind=SubmissionKind.FILE, description="your selection code", extensions=(".py", ".zip"), code=True
)


def code_spec(spec: BenchmarkSpec, *, accepting: tuple[str, ...]) -> BenchmarkSpec:
    """``spec`` with a code format added; the phases named in ``accepting`` declare accepts_code."""
    phases = tuple(dataclasses.replace(p, accepts_code=p.slug in accepting) for p in spec.phases)
    return dataclasses.replace(spec, formats=(*spec.formats, CODE_FORMAT), phases=phases)
