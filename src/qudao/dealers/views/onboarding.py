"""Pages of the dealer lifecycle: onboarding."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
