"""Celery signal receivers of the ops app, connected by ocpdash.celery: worker heartbeats, and
Django's logging config left alone in JSON mode. No model is imported before a signal fires."""

from __future__ import annotations

from celery.signals import heartbeat_sent, setup_logging, worker_ready, worker_shutdown

from ocpdash.core.logs import configure_json_early, json_logging

_worker = None  # this worker's Beater, from worker_ready on (main process only)


@worker_ready.connect
def _worker_ready(sender, **kwargs) -> None:
    global _worker
    from ocpdash.ops.heartbeat import WORKER, Beater

    _worker = Beater(WORKER, sender.hostname)
    _worker.beat(starting=True)


@heartbeat_sent.connect
def _worker_heartbeat(sender, **kwargs) -> None:
    if _worker is not None:
        _worker.beat()


@worker_shutdown.connect
def _worker_shutdown(sender, **kwargs) -> None:
    if _worker is not None:
        _worker.stop()


if json_logging():
    configure_json_early()

    @setup_logging.connect
    def _keep_django_logging(**kwargs) -> None:
        """With a receiver here Celery configures no handler of its own (its plain-text ones on
        ``celery.task`` and multiprocessing's): every line goes through settings.LOGGING's JSON."""
