"""Pages of the dealer lifecycle: admission."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
