"""Qudao (渠道): dealer management system for multi-tier channels."""

from qudao.celery import app as celery_app

__all__ = ["celery_app"]
