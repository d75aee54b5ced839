from typing import Any

from django import forms
from django.contrib.auth import forms as auth_forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from qudao.core.forms import StyledForm


class LoginForm(AuthenticationForm):
    username = forms.CharField(
        label=_("Username or mobile"),
        max_length=150,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )


class TokenForm(StyledForm):
    name = forms.CharField(label=_("Token name"), max_length=60)


class PasswordChangeForm(auth_forms.PasswordChangeForm):
    """Django's form (old password, new password twice), in the design system's classes."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs.setdefault("class", "form-control")
