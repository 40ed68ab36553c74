"""No task can run forever, no running task is handed to a second worker, and the broker keeps
queued tasks across a restart."""

from pathlib import Path

import yaml
from django.conf import settings

from civicmarkets.celery import app
from core.outbox import lease

ROOT = Path(__file__).resolve().parent.parent.parent
OURS = ("core.", "commissioning.", "accountability.", "providers.", "accounts.")


def _our_tasks():
    app.loader.import_default_modules()
    return {name: task for name, task in app.tasks.items() if name.startswith(OURS)}


def test_every_task_has_a_soft_and_a_hard_time_limit_within_the_visibility_timeout():
    visibility = settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
    tasks = _our_tasks()
    assert len(tasks) >= 8
    for name, task in tasks.items():
        soft = task.soft_time_limit or app.conf.task_soft_time_limit
        hard = task.time_limit or app.conf.task_time_limit
        assert soft and hard, f"{name} has no time limit"
        assert soft < hard < visibility, name
        assert task.acks_late, name


def test_a_leased_email_or_webhook_outlives_the_task_that_leased_it():
    assert lease().total_seconds() > app.conf.task_time_limit


def test_compose_keeps_queued_tasks_across_a_redis_restart():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    redis = compose["services"]["redis"]
    command = " ".join(redis["command"])
    assert "--appendonly yes" in command
    assert "--appendfsync everysec" in command
    assert any(volume.endswith(":/data") for volume in redis["volumes"])
