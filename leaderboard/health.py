"""GET /healthz: database, broker and latest worker heartbeat as JSON; 200 when db and broker are ok."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from leaderboard.selectors import health_status


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Health report for load balancers and operators."""
    status = health_status()
    body = {
        "ok": status.ok,
        "database": "ok" if status.database else f"error: {status.database_error}",
        "broker": "ok" if status.broker else f"error: {status.broker_error}",
        "worker": {
            "last_heartbeat": status.last_worker_heartbeat.isoformat()
            if status.last_worker_heartbeat
            else None,
            "age_s": round(status.last_worker_heartbeat_age_s, 1)
            if status.last_worker_heartbeat_age_s is not None
            else None,
        },
        "workers": [
            {
                "worker_id": w.worker_id,
                "hostname": w.hostname,
                "queues": w.queues,
                "last_seen": w.last_seen.isoformat(),
                "age_s": round(w.age_s, 1),
                "current_submission": w.current_submission_id,
            }
            for w in status.workers
        ],
    }
    return JsonResponse(body, status=200 if status.ok else 503)
