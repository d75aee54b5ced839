"""Celery application. In the embedded default tasks run eagerly (inline, after commit)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qudao.settings")

app = Celery("qudao")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
