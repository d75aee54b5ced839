from typing import Any

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from qudao.accounts import selectors, services
from qudao.accounts.forms import LoginForm, PasswordChangeForm, TokenForm
from qudao.core.errors import DomainError, NotFound
from qudao.core.types import AuthedRequest
from qudao.core.views import domain_error_to_form


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


class PasswordChangeView(auth_views.PasswordChangeView):
    """Change one's own password: the form checks the old one and the new one twice, the
    service the policy; this session stays logged in, the user's others end."""

    template_name = "accounts/password_change.html"
    form_class = PasswordChangeForm
    success_url = reverse_lazy("accounts:profile")

    def form_valid(self, form: Any) -> HttpResponse:
        actor: Any = self.request.user  # behind login_required (PasswordChangeView)
        try:
            user = services.user_password_change(
                actor=actor, password=form.cleaned_data["new_password1"]
            )
        except DomainError as exc:
            domain_error_to_form(form, exc)
            return self.form_invalid(form)
        update_session_auth_hash(self.request, user)
        messages.success(self.request, _("Your password was changed."))
        return redirect(self.get_success_url())


@login_required
def profile(request: AuthedRequest) -> HttpResponse:
    form = TokenForm(request.POST or None)
    new_secret = None
    if request.method == "POST" and form.is_valid():
        try:
            token, new_secret = services.api_token_create(
                actor=request.user, name=form.cleaned_data["name"]
            )
            messages.success(request, _("Token %(name)s created.") % {"name": token.name})
            form = TokenForm()
        except DomainError as exc:
            domain_error_to_form(form, exc)
    context = {
        "form": form,
        "new_secret": new_secret,
        "tokens": selectors.api_token_list_for_user(actor=request.user),
        # The user's own memberships, through the reverse relation (accounts sits below network).
        "memberships": request.user.memberships.select_related("org", "role").order_by("id"),
    }
    return render(request, "accounts/profile.html", context)


@login_required
@require_POST
def token_revoke(request: AuthedRequest, token_id: int) -> HttpResponse:
    try:
        token = services.api_token_revoke(actor=request.user, token_id=token_id)
    except NotFound as exc:
        raise Http404 from exc
    messages.success(request, _("Token %(name)s revoked.") % {"name": token.name})
    return redirect("accounts:profile")
