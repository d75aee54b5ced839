"""Pages of the dealer lifecycle: grading."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
