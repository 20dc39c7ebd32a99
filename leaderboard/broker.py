"""What Celery is told about the broker, derived from the one configured URL (settings and health use it)."""

from __future__ import annotations

from dataclasses import dataclass, field

#: kombu's SQLAlchemy transport, polled faster for the embedded stack (workers/broker.py)
EMBEDDED_SQLA_TRANSPORT = "workers.broker:EmbeddedSqlaTransport"
SQLA_PREFIX = "sqla+"


@dataclass(frozen=True)
class BrokerConfig:
    """The configured URL, and the URL, transport and transport options Celery and kombu are given."""

    configured: str
    url: str
    transport: str | None = None
    options: dict = field(default_factory=dict)


def broker_config(url: str, *, lease_seconds: int) -> BrokerConfig:
    """Redis re-delivers unacknowledged messages after a visibility timeout well past a lease (the reaper
    acts sooner; a duplicate delivery is a no-op at claim time); a ``sqla+`` URL goes to the embedded
    transport class, which takes no options (kombu hands them all to SQLAlchemy's create_engine)."""
    if url.startswith(SQLA_PREFIX):
        return BrokerConfig(configured=url, url=url[len(SQLA_PREFIX) :], transport=EMBEDDED_SQLA_TRANSPORT)
    if url.startswith(("redis://", "rediss://")):
        timeout = max(3600, lease_seconds * 4)
        return BrokerConfig(configured=url, url=url, options={"visibility_timeout": timeout})
    return BrokerConfig(configured=url, url=url)
