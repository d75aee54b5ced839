"""Pages of the dealer lifecycle: profile."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
