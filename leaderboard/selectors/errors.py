"""Not-found errors of the selectors: both the model's DoesNotExist and Http404, so views and DRF map them."""

from __future__ import annotations

from django.http import Http404

from leaderboard.models import Benchmark, Phase, Submission


class BenchmarkNotFound(Benchmark.DoesNotExist, Http404):
    """No visible benchmark with that slug."""


class PhaseNotFound(Phase.DoesNotExist, Http404):
    """No visible phase with that slug."""


class SubmissionNotFound(Submission.DoesNotExist, Http404):
    """No submission with that id that the viewer may see."""
