"""The embedded stack's broker: kombu's SQLAlchemy transport, polled every fifth of a second."""

from __future__ import annotations

from kombu.transport import sqlalchemy

#: seconds between polls of the broker tables (kombu's default is 1 s, which the embedded queue wait shows)
POLLING_INTERVAL_S = 0.2


class EmbeddedSqlaTransport(sqlalchemy.Transport):
    """kombu's SQLAlchemy transport with a shorter polling interval (its only setting that does not also
    reach SQLAlchemy's create_engine)."""

    polling_interval = POLLING_INTERVAL_S
