"""Pages of the dealer lifecycle: contracts."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
