"""Celery tasks: thin callers of the domain functions, with ids only (never a secret)."""

from celery import shared_task

from ocpdash.notify import delivery, unreachable


@shared_task(name="ocpdash.notify.tasks.deliver", ignore_result=True)
def deliver(delivery_id: int) -> str:
    return delivery.attempt(delivery_id)


@shared_task(name="ocpdash.notify.tasks.recover", ignore_result=True)
def recover() -> int:
    return delivery.recover()


@shared_task(name="ocpdash.notify.tasks.check_unreachable", ignore_result=True)
def check_unreachable() -> int:
    return unreachable.check()
