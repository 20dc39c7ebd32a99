"""Celery broker transport options: the embedded SQLAlchemy broker is polled fast; Redis keeps its timeout."""

from workers.celery import SQLA_POLLING_INTERVAL_S, _transport_options


def test_transport_options_sqla_broker_polls_every_fifth_of_a_second():
    assert _transport_options("sqla+sqlite:///var/broker.sqlite3") == {"polling_interval": 0.2}
    assert SQLA_POLLING_INTERVAL_S == 0.2


def test_transport_options_redis_keeps_visibility_timeout_only(settings):
    settings.LEASE_SECONDS = 2000
    assert _transport_options("redis://localhost:6379/0") == {"visibility_timeout": 8000}


def test_transport_options_other_brokers_get_none():
    assert _transport_options("amqp://guest@localhost//") == {}
