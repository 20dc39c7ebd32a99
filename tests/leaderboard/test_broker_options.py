"""Celery broker transport options: the embedded SQLAlchemy broker is polled fast; Redis keeps its timeout."""

from kombu import Connection
from kombu.transport import sqlalchemy as sqla_transport

from workers.celery import SQLA_POLLING_INTERVAL_S, _sqla_polling_set, _transport_options


def test_sqla_broker_connects_with_our_options_and_polls_every_fifth_of_a_second(tmp_path, monkeypatch):
    monkeypatch.setattr(sqla_transport.Transport, "polling_interval", 1.0)
    url = f"sqla+sqlite:///{tmp_path / 'broker.sqlite3'}"
    _sqla_polling_set(url)
    with Connection(url, transport_options=_transport_options(url)) as connection:
        channel = connection.channel()
        channel.queue_declare(queue="cpu")
        assert connection.transport.polling_interval == SQLA_POLLING_INTERVAL_S == 0.2
        channel.close()


def test_transport_options_redis_keeps_visibility_timeout_only(settings):
    settings.LEASE_SECONDS = 2000
    assert _transport_options("redis://localhost:6379/0") == {"visibility_timeout": 8000}


def test_transport_options_other_brokers_get_none():
    assert _transport_options("sqla+sqlite:///var/broker.sqlite3") == {}
    assert _transport_options("amqp://guest@localhost//") == {}
