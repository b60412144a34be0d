"""Celery tasks of fleet rollouts: beat's pass over live rollouts, and one reconcile."""

from celery import shared_task

from ocpdash.rollouts import flow


@shared_task(name="ocpdash.rollouts.tasks.reconcile_live", ignore_result=True)
def reconcile_live() -> int:
    return len(flow.reconcile_live())


@shared_task(name="ocpdash.rollouts.tasks.reconcile", ignore_result=True)
def reconcile(rollout_id: int) -> str:
    return flow.reconcile(rollout_id).state
