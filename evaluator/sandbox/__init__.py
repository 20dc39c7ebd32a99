"""Run submitted selection code in a bubblewrap sandbox and measure it with the project's own kernels.

``SandboxedMethod`` starts one long-lived sandboxed child per submission; ``code_method_measure``
times its selection from outside and computes attention, density and error on the trusted side.
"""

from evaluator.sandbox.command import sandbox_available
from evaluator.sandbox.spec import SandboxError, SandboxProblem, SandboxSpec

__all__ = ["SandboxError", "SandboxProblem", "SandboxSpec", "SandboxedMethod", "sandbox_available"]


def __getattr__(name: str):
    """SandboxedMethod on first use: its module imports torch and the kernels, which the web server and
    the management commands importing this package (for SandboxError, the upload rules) never need."""
    if name == "SandboxedMethod":
        from evaluator.sandbox.process import SandboxedMethod

        return SandboxedMethod
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
