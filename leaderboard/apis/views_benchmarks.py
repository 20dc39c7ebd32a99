"""Benchmark endpoints: list, detail (phases, metrics, quota), leaderboard (JSON/CSV), public data ZIP."""

from __future__ import annotations

from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle
from rest_framework.views import APIView

from leaderboard import selectors, services
from leaderboard.apis.bodies import leaderboard_body
from leaderboard.apis.error_outputs import StorageUnavailableSerializer
from leaderboard.apis.inputs import DataQueryInput, LeaderboardQueryInput
from leaderboard.apis.lookups import benchmark_resolve, phase_resolve, phases_visible
from leaderboard.apis.outputs import (
    BenchmarkDetailSerializer,
    BenchmarkSummarySerializer,
    LeaderboardPageSerializer,
    MetricSerializer,
    PhaseDetailSerializer,
    QuotaSerializer,
)
from leaderboard.apis.renderers import LeaderboardCsvRenderer, ZipRenderer
from leaderboard.apis.throttles import DownloadRateThrottle
from leaderboard.selectors.formats import format_specs
from leaderboard.specrows import curve_row, format_row


def _benchmark_fields(benchmark) -> dict:
    """The fields shared by the list and detail representations."""
    return {
        "slug": benchmark.slug,
        "version": benchmark.version,
        "title": benchmark.title,
        "description": benchmark.description,
        "ranking_metric": benchmark.ranking_metric,
        "needs_gpu": benchmark.needs_gpu,
        "data_status": benchmark.data_status,
    }


class BenchmarkListView(APIView):
    """Every visible benchmark with its phases."""

    @extend_schema(responses=BenchmarkSummarySerializer(many=True))
    def get(self, request):
        """List the visible benchmarks."""
        rows = [
            {
                **_benchmark_fields(benchmark),
                "phases": [{"slug": p.slug, "title": p.title} for p in phases_visible(benchmark=benchmark)],
            }
            for benchmark in selectors.benchmark_list_visible()
        ]
        return Response(BenchmarkSummarySerializer(rows, many=True).data)


class BenchmarkDetailView(APIView):
    """One benchmark: metrics, formats, Pareto axes and phases; the caller's remaining quota per phase."""

    @extend_schema(responses={200: BenchmarkDetailSerializer, 404: OpenApiResponse(description="unknown")})
    def get(self, request, slug: str):
        """Show one benchmark."""
        benchmark = benchmark_resolve(slug=slug)
        user = request.user if request.user.is_authenticated else None
        phases = []
        for phase in phases_visible(benchmark=benchmark):
            quota = selectors.quota_status(user=user, phase=phase) if user is not None else None
            phases.append(
                {
                    "slug": phase.slug,
                    "title": phase.title,
                    "description": phase.description,
                    "starts_at": phase.starts_at,
                    "ends_at": phase.ends_at,
                    "is_open": phase.is_open(),
                    "is_hosted": phase.is_hosted,
                    "daily_limit": phase.daily_limit,
                    "total_limit": phase.total_limit,
                    "max_upload_bytes": phase.max_upload_bytes,
                    "has_private_split": phase.has_private_split,
                    "accepts_code": phase.accepts_code,
                    "splits": selectors.leaderboard_visible_splits(phase=phase),
                    "quota": QuotaSerializer(quota).data if quota is not None else None,
                }
            )
        body = {
            **_benchmark_fields(benchmark),
            "metrics": MetricSerializer(selectors.metric_specs(benchmark=benchmark), many=True).data,
            "item_metrics": MetricSerializer(
                selectors.item_metric_specs(benchmark=benchmark), many=True
            ).data,
            "pareto_axes": [benchmark.pareto_x, benchmark.pareto_y],
            "curves": [curve_row(curve) for curve in selectors.curve_specs(benchmark=benchmark)],
            "formats": [format_row(f) for f in format_specs(benchmark=benchmark)],
            "phases": PhaseDetailSerializer(phases, many=True).data,
        }
        return Response(body)


class LeaderboardView(APIView):
    """A leaderboard page of one phase and split, ordered by any metric; JSON or CSV (?format=csv)."""

    renderer_classes = [JSONRenderer, BrowsableAPIRenderer, LeaderboardCsvRenderer]

    @extend_schema(
        parameters=[
            LeaderboardQueryInput,
            OpenApiParameter("format", str, enum=["json", "csv"], description="csv for the CSV export"),
        ],
        responses={
            (200, "application/json"): LeaderboardPageSerializer,
            (200, "text/csv"): OpenApiTypes.STR,
            400: OpenApiResponse(description="bad split, order_by, limit or offset"),
            403: OpenApiResponse(description="the private split is not visible yet"),
            404: OpenApiResponse(description="no such benchmark or phase"),
        },
    )
    def get(self, request, slug: str):
        """Show a leaderboard page."""
        benchmark = benchmark_resolve(slug=slug)
        metrics = selectors.metric_specs(benchmark=benchmark)
        is_csv = getattr(request.accepted_renderer, "format", "") == "csv"
        context = {"metric_names": [m.name for m in metrics], "csv": is_csv}
        query = LeaderboardQueryInput(data=request.query_params.dict(), context=context)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        phase = phase_resolve(benchmark=benchmark, slug=params.get("phase"))
        paired = selectors.leaderboard_rows_paired(
            phase=phase,
            split=params["split"],
            order_by=params.get("order_by"),
            descending=params.get("descending"),
            limit=params["limit"],
            offset=params["offset"],
            viewer=request.user,
        )
        page = paired.page
        splits = selectors.leaderboard_visible_splits(phase=phase)
        body = leaderboard_body(benchmark=benchmark.slug, phase=phase.slug, splits=splits, page=page,
                                limit=params["limit"], offset=params["offset"], metrics=metrics,
                                site=request.build_absolute_uri("/").removesuffix("/"),
                                differences=paired.differences)
        response = Response(body, headers={"X-Total-Count": str(page.total)})
        if is_csv:
            filename = f"{benchmark.slug}-{phase.slug}-{page.split}.csv"
            response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response


class PhaseDataView(APIView):
    """The public data bundle of a phase as a ZIP (never anything of the hidden data)."""

    renderer_classes = [JSONRenderer, ZipRenderer]
    throttle_classes = [AnonRateThrottle, UserRateThrottle, DownloadRateThrottle]

    @extend_schema(
        parameters=[DataQueryInput],
        responses={
            (200, "application/zip"): OpenApiTypes.BINARY,
            400: OpenApiResponse(description="phase missing"),
            404: OpenApiResponse(description="no such benchmark or phase"),
            503: OpenApiResponse(description="data not built, or bundle storage read-only"),
            507: OpenApiResponse(response=StorageUnavailableSerializer, description="bundle storage full"),
        },
    )
    def get(self, request, slug: str):
        """Download the phase's public bundle."""
        benchmark = benchmark_resolve(slug=slug)
        query = DataQueryInput(data=request.query_params.dict())
        query.is_valid(raise_exception=True)
        phase = phase_resolve(benchmark=benchmark, slug=query.validated_data["phase"])
        path = services.phase_bundle_path(phase=phase)
        return FileResponse(
            path.open("rb"),
            as_attachment=True,
            filename=f"{benchmark.slug}-{phase.slug}-public.zip",
            content_type="application/zip",
        )
