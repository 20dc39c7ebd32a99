"""The broker as Celery is told: the embedded SQLAlchemy broker is polled fast; Redis keeps its timeout."""

from kombu import Connection

from leaderboard.broker import EMBEDDED_SQLA_TRANSPORT, broker_config
from workers.broker import EmbeddedSqlaTransport
from workers.celery import app


def test_sqla_url_goes_to_the_embedded_transport_which_polls_every_fifth_of_a_second(tmp_path):
    broker = broker_config(f"sqla+sqlite:///{tmp_path / 'broker.sqlite3'}", lease_seconds=60)
    assert broker.url == f"sqlite:///{tmp_path / 'broker.sqlite3'}" and broker.options == {}
    with Connection(broker.url, transport=broker.transport, transport_options=broker.options) as connection:
        channel = connection.channel()
        channel.queue_declare(queue="cpu")  # a real round trip through the broker's tables
        assert isinstance(connection.transport, EmbeddedSqlaTransport)
        assert connection.transport.polling_interval == 0.2
        channel.close()
    assert (tmp_path / "broker.sqlite3").exists()


def test_redis_keeps_a_visibility_timeout_past_four_leases():
    broker = broker_config("redis://localhost:6379/0", lease_seconds=2000)
    assert broker.url == broker.configured and broker.transport is None
    assert broker.options == {"visibility_timeout": 8000}
    assert broker_config("redis://localhost:6379/0", lease_seconds=60).options == {"visibility_timeout": 3600}


def test_other_brokers_are_passed_through():
    assert broker_config("amqp://guest@localhost//", lease_seconds=60).options == {}
    assert broker_config("memory://", lease_seconds=60).transport is None


def test_the_celery_app_reads_its_configuration_from_django_settings(settings):
    assert app.conf.broker_url == settings.CELERY_BROKER_URL
    assert app.conf.task_acks_late and app.conf.worker_prefetch_multiplier == 1
    assert app.conf.task_default_queue == "cpu" and "reap-expired-leases" in app.conf.beat_schedule
    assert EMBEDDED_SQLA_TRANSPORT == f"{EmbeddedSqlaTransport.__module__}:{EmbeddedSqlaTransport.__name__}"


def test_every_celery_setting_is_one_celery_reads():
    from celery.app.defaults import DEFAULTS
    from django.conf import settings

    ours = [name for name in dir(settings) if name.startswith("CELERY_")]
    assert "CELERY_TASK_ACKS_LATE" in ours
    dead = [name for name in ours if name.removeprefix("CELERY_").lower() not in DEFAULTS]
    assert dead == [], f"settings Celery never reads (config_from_object, namespace CELERY): {dead}"


def test_importing_the_celery_app_patches_nothing_of_kombu():
    from kombu.transport import sqlalchemy

    assert EmbeddedSqlaTransport.polling_interval == 0.2  # a subclass of ours polls faster...
    assert sqlalchemy.Transport.polling_interval == 1.0  # ...kombu's own transport keeps its default
