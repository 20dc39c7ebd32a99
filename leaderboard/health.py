"""GET /healthz: database, broker and storage as JSON; 200 when db and broker are ok (workers are reported,
never required); the live workers' details for staff."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from leaderboard.selectors import health_status


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Health report for load balancers (a small public body) and operators (workers, for staff)."""
    status = health_status()  # at most HEALTH_TTL_S old; the heartbeat's age is taken now
    last = status.last_worker_heartbeat
    age = (timezone.now() - last).total_seconds() if last else None
    body = {
        "ok": status.ok,
        "database": "ok" if status.database else f"error: {status.database_error}",
        "broker": "ok" if status.broker else f"error: {status.broker_error}",
        "storage": {s.area: s.state for s in status.storage},
        "worker": {"age_s": round(age, 1) if age is not None else None, "live": status.live_nodes},
    }
    user = getattr(request, "user", None)
    if user is not None and user.is_staff:
        body["worker"]["last_heartbeat"] = (
            status.last_worker_heartbeat.isoformat() if status.last_worker_heartbeat else None
        )
        body["storage_free_bytes"] = {s.area: s.free_bytes for s in status.storage}
        body["workers"] = [
            {
                "worker_id": w.worker_id,
                "hostname": w.hostname,
                "queues": w.queues,
                "last_seen": w.last_seen.isoformat(),
                "age_s": round(w.age_s, 1),
                "current_submission": w.current_submission_id,
            }
            for w in status.workers
        ]
    return JsonResponse(body, status=200 if status.ok else 503)
