"""Pages of the dealer lifecycle: closing."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
