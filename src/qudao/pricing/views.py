"""Pricing pages: the seller's price lists, brand price control, "why this price", and the
buyer's view of a seller's catalogue at its own prices."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from qudao.accounts.constants import BROWSE_CATALOG, MANAGE_CATALOG, MANAGE_PRICES
from qudao.catalog.selectors import (
    category_choices,
    sku_get,
    sku_list_for_actor,
    sku_map_by_codes,
)
from qudao.core.errors import DomainError, NotFound
from qudao.core.selectors import audit_list_for_object
from qudao.core.spreadsheet import XLSX
from qudao.core.types import AuthedRequest
from qudao.core.views import (
    call_or_404,
    domain_error_message,
    domain_error_to_form,
    keep_import_errors,
    paginate,
)
from qudao.network import scope
from qudao.network.selectors import org_get, org_get_by_code, sellers_of
from qudao.pricing import selectors, services
from qudao.pricing.forms import ExplainForm, ImportForm, ItemForm, PriceControlForm, PriceListForm
from qudao.pricing.imports import price_list_export, price_list_import
from qudao.pricing.models import PriceList


def _list_or_404(request: AuthedRequest, price_list_id: int) -> PriceList:
    return call_or_404(selectors.price_list_get, actor=request.user, price_list_id=price_list_id)


def _require(request: AuthedRequest, permission: str, org: Any) -> None:
    if not scope.can(request.user, permission, org):
        raise PermissionDenied


@login_required
def price_list_list(request: AuthedRequest) -> HttpResponse:
    if not scope.has_any(request.user, MANAGE_PRICES):
        raise PermissionDenied
    qs = selectors.price_list_list_for_actor(actor=request.user, q=request.GET.get("q", ""))
    sellers = [g for g in scope.grants(request.user) if MANAGE_PRICES in g.permissions]
    own = scope.visible_orgs(request.user).filter(path__in=[g.path for g in sellers])
    return render(
        request, "pricing/price_list_list.html", {"page": paginate(request, qs), "own_sellers": own}
    )


def _form_to_data(request: AuthedRequest, form: PriceListForm) -> dict[str, Any]:
    data = dict(form.cleaned_data)
    for key in ("target_buyer", "target_region"):
        code = (data.get(key) or "").strip()
        if data["target"] == key.removeprefix("target_"):
            try:
                data[key] = org_get_by_code(actor=request.user, code=code).pk if code else None
            except NotFound:
                data[key] = -1  # the service answers "choose an org in your network"
        else:
            data[key] = None
    return data


@login_required
def price_list_create(request: AuthedRequest) -> HttpResponse:
    if not request.GET.get("seller"):  # the list page offers a button per own seller
        return redirect("pricing:price_list_list")
    try:
        seller = org_get(actor=request.user, org_id=int(request.GET["seller"]))
    except (NotFound, ValueError) as exc:
        raise Http404 from exc
    _require(request, MANAGE_PRICES, seller)
    form = PriceListForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            price_list = services.price_list_create(
                actor=request.user, seller=seller, data=_form_to_data(request, form)
            )
        except DomainError as exc:
            domain_error_to_form(form, exc)
        else:
            messages.success(request, _("Price list %(code)s created.") % {"code": price_list.code})
            return redirect("pricing:price_list_detail", price_list_id=price_list.pk)
    return render(request, "pricing/price_list_form.html", {"form": form, "seller": seller})


@login_required
def price_list_edit(request: AuthedRequest, price_list_id: int) -> HttpResponse:
    price_list = _list_or_404(request, price_list_id)
    _require(request, MANAGE_PRICES, price_list.seller)
    initial = {
        "code": price_list.code,
        "name": price_list.name,
        "target": price_list.target,
        "target_buyer": getattr(price_list.target_buyer, "code", ""),
        "target_region": getattr(price_list.target_region, "code", ""),
        "target_grade": price_list.target_grade,
        "target_channel": price_list.target_channel,
        "priority": price_list.priority,
        "valid_from": price_list.valid_from,
        "valid_until": price_list.valid_until,
        "is_active": price_list.is_active,
    }
    form = PriceListForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.price_list_update(
                actor=request.user, price_list=price_list, data=_form_to_data(request, form)
            )
        except DomainError as exc:
            domain_error_to_form(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("pricing:price_list_detail", price_list_id=price_list.pk)
    return render(
        request,
        "pricing/price_list_form.html",
        {"form": form, "seller": price_list.seller, "price_list": price_list},
    )


@login_required
def price_list_detail(request: AuthedRequest, price_list_id: int) -> HttpResponse:
    price_list = _list_or_404(request, price_list_id)
    items = selectors.price_list_items(price_list=price_list)
    q = request.GET.get("q", "").strip()
    if q:
        items = items.filter(Q(sku__code__icontains=q) | Q(sku__search_text__contains=q.lower()))
    return render(
        request,
        "pricing/price_list_detail.html",
        {
            "price_list": price_list,
            "page": paginate(request, items, per_page=100),
            "item_form": ItemForm(),
            "import_form": ImportForm(),
            "can_edit": scope.can(request.user, MANAGE_PRICES, price_list.seller),
            "audit": audit_list_for_object(instance=price_list),
        },
    )


@login_required
@require_POST
def price_item_save(request: AuthedRequest, price_list_id: int) -> HttpResponse:
    price_list = _list_or_404(request, price_list_id)
    form = ItemForm(request.POST)
    if form.is_valid():
        sku = sku_map_by_codes([form.cleaned_data["sku_code"]]).get(
            form.cleaned_data["sku_code"].strip()
        )
        try:
            if sku is None:
                raise NotFound(_("Unknown SKU code."))
            services.price_list_set_items(
                actor=request.user,
                price_list=price_list,
                rows=[
                    {
                        "sku_id": sku.pk,
                        "min_qty": form.cleaned_data["min_qty"],
                        "price": form.cleaned_data["price"],
                    }
                ],
            )
            messages.success(request, _("Price saved."))
        except DomainError as exc:
            domain_error_message(request, exc)
    else:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
    return redirect("pricing:price_list_detail", price_list_id=price_list.pk)


@login_required
@require_POST
def price_item_remove(request: AuthedRequest, price_list_id: int, item_id: int) -> HttpResponse:
    price_list = _list_or_404(request, price_list_id)
    try:
        services.price_list_remove_item(actor=request.user, price_list=price_list, item_id=item_id)
        messages.success(request, _("Price removed."))
    except NotFound as exc:
        raise Http404 from exc
    except DomainError as exc:
        domain_error_message(request, exc)
    return redirect("pricing:price_list_detail", price_list_id=price_list.pk)


@login_required
@require_POST
def price_list_import_view(request: AuthedRequest, price_list_id: int) -> HttpResponse:
    price_list = _list_or_404(request, price_list_id)
    _require(request, MANAGE_PRICES, price_list.seller)
    form = ImportForm(request.POST, request.FILES)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
        return redirect("pricing:price_list_detail", price_list_id=price_list.pk)
    try:
        result = price_list_import(
            actor=request.user,
            price_list=price_list,
            data=form.cleaned_data["file"].read(),
            replace=form.cleaned_data["replace"],
        )
    except DomainError as exc:
        domain_error_message(request, exc)
        return redirect("pricing:price_list_detail", price_list_id=price_list.pk)
    if result.ok:
        messages.success(
            request,
            _("Imported: %(created)s new, %(updated)s changed, %(removed)s removed.")
            % result.counts,
        )
        return redirect("pricing:price_list_detail", price_list_id=price_list.pk)
    keep_import_errors(request, result.errors)
    return render(
        request,
        "pricing/import_errors.html",
        {"price_list": price_list, "errors": result.errors},
        status=400,
    )


@login_required
def price_list_export_view(request: AuthedRequest, price_list_id: int) -> HttpResponse:
    price_list = _list_or_404(request, price_list_id)
    response = HttpResponse(price_list_export(price_list=price_list), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{price_list.code}.xlsx"'
    return response


def _require_brand(request: AuthedRequest) -> None:
    root = scope.visible_orgs(request.user).filter(depth=1).first()
    if root is None or not scope.can(request.user, MANAGE_CATALOG, root):
        raise PermissionDenied


@login_required
def price_control_list(request: AuthedRequest) -> HttpResponse:
    _require_brand(request)
    q = request.GET.get("q", "").strip()
    skus = sku_list_for_actor(actor=request.user, q=q).select_related("price_control")
    return render(
        request, "pricing/price_control_list.html", {"page": paginate(request, skus), "q": q}
    )


@login_required
def price_control_edit(request: AuthedRequest, sku_id: int) -> HttpResponse:
    _require_brand(request)
    sku = call_or_404(sku_get, actor=request.user, sku_id=sku_id)
    control = selectors.price_control_for_skus(sku_ids=[sku.pk]).get(sku.pk)
    initial = {f: getattr(control, f) for f in services.CONTROL_FIELDS} if control else {}
    form = PriceControlForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.price_control_set(actor=request.user, sku=sku, data=form.cleaned_data)
        except DomainError as exc:
            domain_error_to_form(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("pricing:price_control_list")
    return render(request, "pricing/price_control_form.html", {"form": form, "sku": sku})


@login_required
def explain(request: AuthedRequest) -> HttpResponse:
    """Why this price: which list and rule won for a buyer and SKU, and why the others lost."""
    form = ExplainForm(request.GET or None)
    line, context = None, {}
    if request.GET and form.is_valid():
        data = form.cleaned_data
        try:
            seller = org_get_by_code(actor=request.user, code=data["seller"])
            buyer = org_get_by_code(actor=request.user, code=data["buyer"])
            _require(request, MANAGE_PRICES, seller)
            sku = sku_map_by_codes([data["sku"]]).get(data["sku"].strip())
            if sku is None:
                raise NotFound(_("Unknown SKU code."))
            seller, buyer = selectors.trading_pair(
                actor=request.user, seller_id=seller.pk, buyer_id=buyer.pk
            )
            line = selectors.quote(seller=seller, buyer=buyer, lines=[(sku.pk, data["qty"])])[0]
            context = {"seller": seller, "buyer": buyer, "sku": sku}
        except NotFound as exc:
            form.add_error(
                None, exc.message if exc.code != "not_found" else _("Not found in your network.")
            )
    return render(request, "pricing/explain.html", {"form": form, "line": line, **context})


def _buyer_orgs(request: AuthedRequest) -> list[Any]:
    """The actor's own orgs that may browse sellers' catalogues (where they hold the right)."""
    paths = [g.path for g in scope.grants(request.user) if BROWSE_CATALOG in g.permissions]
    return list(scope.visible_orgs(request.user).filter(path__in=paths).order_by("path"))


@login_required
def shop_sellers(request: AuthedRequest) -> HttpResponse:
    """The buyer's sellers: where it can order from."""
    buyers = _buyer_orgs(request)
    pairs = [(buyer, sellers_of(buyer=buyer)) for buyer in buyers]
    return render(request, "pricing/shop_sellers.html", {"pairs": pairs})


@login_required
def shop(request: AuthedRequest, seller_id: int) -> HttpResponse:
    """A seller's catalogue as one of the actor's orgs sees it: only what the seller prices
    for it, at its own resolved price, with quantity breaks and suggested retail."""
    buyers = _buyer_orgs(request)
    wanted = request.GET.get("buyer")
    chosen = next((b for b in buyers if str(b.pk) == wanted), None) or (
        buyers[0] if buyers else None
    )
    if chosen is None:
        raise PermissionDenied
    try:
        seller, buyer = selectors.trading_pair(
            actor=request.user, seller_id=seller_id, buyer_id=chosen.pk
        )
    except NotFound as exc:
        raise Http404 from exc
    q = request.GET.get("q", "").strip()
    category = request.GET.get("category", "")
    skus = call_or_404(
        selectors.buyer_catalogue,
        actor=request.user,
        seller=seller,
        buyer=buyer,
        q=q,
        category_id=int(category) if category.isdigit() else None,
    )
    page = paginate(request, skus, per_page=30)
    rows = [
        (row.sku, row.line)
        for row in selectors.catalogue_rows(seller=seller, buyer=buyer, skus=page.object_list)
    ]
    template = "pricing/partials/_shop_rows.html" if request.htmx else "pricing/shop.html"
    return render(
        request,
        template,
        {
            "seller": seller,
            "buyer": buyer,
            "buyers": buyers,
            "page": page,
            "rows": rows,
            "q": q,
            "category": category,
            "categories": category_choices(actor=request.user),
        },
    )
