"""The seller's approval rules page: which steps hold an order for approval (each can be
switched off, with its threshold), the rebate cap and the receipt / completion days."""

from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from qudao.accounts.constants import MANAGE_ORDER_RULES
from qudao.core.forms import StyledForm
from qudao.core.types import AuthedRequest
from qudao.core.views import form_submit
from qudao.network import scope
from qudao.network.models import Org
from qudao.orders import selectors, services
from qudao.orders.models import ApprovalRule
from qudao.orders.services.rules import RULE_FIELDS


class ApprovalRuleForm(StyledForm, forms.ModelForm):  # type: ignore[misc]
    class Meta:
        model = ApprovalRule
        fields = list(RULE_FIELDS)


def _sellers(request: AuthedRequest) -> list[Org]:
    paths = [g.path for g in scope.grants(request.user) if MANAGE_ORDER_RULES in g.permissions]
    return list(scope.visible_orgs(request.user).filter(path__in=paths).order_by("path"))


@login_required
def approval_rules(request: AuthedRequest) -> HttpResponse:
    """One form per org whose rules the actor sets (`?seller=<id>` picks among several)."""
    sellers = _sellers(request)
    if not sellers:
        raise PermissionDenied
    chosen = next((s for s in sellers if str(s.pk) == request.GET.get("seller")), sellers[0])
    rule = selectors.approval_rule_for(seller=chosen)

    def page(form: Any, status: int = 200) -> HttpResponse:
        return render(
            request,
            "orders/approval_rules.html",
            {"form": form, "seller": chosen, "sellers": sellers},
            status=status,
        )

    if request.method != "POST":
        return page(ApprovalRuleForm(instance=rule))
    form = ApprovalRuleForm(request.POST, instance=rule)
    return form_submit(
        request,
        form,
        action=lambda data: services.approval_rule_set(
            actor=request.user, seller=chosen, data=data
        ),
        done=_("Approval rules saved."),
        success_url=f"{reverse('orders:approval_rules')}?seller={chosen.pk}",
        redisplay=lambda: page(form, status=400),
    )
