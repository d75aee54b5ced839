"""Catalogue pages. Each view parses input, calls one selector or service, renders.

Reads are open to everyone who may browse the catalogue (others get 403); writes need a
catalogue manager (the brand), and a page that writes answers 403 to anyone else."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from qudao.accounts.constants import MANAGE_PROMOTIONS
from qudao.catalog import selectors, services
from qudao.catalog.constants import ProductStatus
from qudao.catalog.forms import (
    CategoryForm,
    CategoryMoveForm,
    CategoryRenameForm,
    FitmentForm,
    ImageForm,
    ImportForm,
    PackForm,
    PackRemoveForm,
    ProductForm,
    ProductSetForm,
    SkuForm,
)
from qudao.catalog.imports import COLUMNS, catalog_export, catalog_import
from qudao.catalog.models import Category, Product, Sku
from qudao.core import errors
from qudao.core.errors import DomainError
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

SHOWN_ERRORS = 200  # the page lists the first ones; the report has them all


def _require_manager(request: AuthedRequest) -> None:
    if not selectors.can_manage(request.user):
        raise PermissionDenied


def _int_or_none(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


def _product(request: AuthedRequest, product_id: int) -> Product:
    return call_or_404(selectors.product_get, actor=request.user, product_id=product_id)


def _sku(request: AuthedRequest, sku_id: int) -> Sku:
    return call_or_404(selectors.sku_get, actor=request.user, sku_id=sku_id)


def _category(request: AuthedRequest, category_id: int) -> Category:
    return call_or_404(selectors.category_get, actor=request.user, category_id=category_id)


# --- products ------------------------------------------------------------------------------


@login_required
def product_list(request: AuthedRequest) -> HttpResponse:
    params = request.GET
    spare = {"1": True, "0": False}.get(params.get("spare_part", ""))
    qs = call_or_404(
        selectors.product_list_for_actor,
        actor=request.user,
        q=params.get("q", ""),
        category_id=_int_or_none(params.get("category")),
        status=params.get("status", "") if params.get("status") in ProductStatus.values else "",
        spare_part=spare,
    )
    context = {
        "page": paginate(request, qs),
        "params": params,
        "categories": selectors.category_choices(actor=request.user),
        "statuses": ProductStatus.choices,
        "can_manage": selectors.can_manage(request.user),
        # product sets are the promotion makers' tool: their link only for them
        "can_sets": scope.has_any(request.user, MANAGE_PROMOTIONS),
    }
    template = (
        "catalog/partials/_product_rows.html" if request.htmx else "catalog/product_list.html"
    )
    return render(request, template, context)


@login_required
def product_detail(request: AuthedRequest, product_id: int) -> HttpResponse:
    product = _product(request, product_id)
    user = request.user
    context = {
        "product": product,
        "ancestors": selectors.category_ancestors(category=product.category),
        "audit": selectors.product_timeline(actor=user, product=product),
        "can_manage": selectors.can_manage(user),
        "image_form": ImageForm(),
    }
    return render(request, "catalog/product_detail.html", context)


def _product_data(form: ProductForm, request: AuthedRequest) -> dict[str, Any]:
    data = dict(form.cleaned_data)
    data["category"] = _category(request, data["category"])
    return data


@login_required
def product_create(request: AuthedRequest) -> HttpResponse:
    _require_manager(request)
    categories = selectors.category_choices(actor=request.user)
    initial = {"category": _int_or_none(request.GET.get("category"))}
    form = ProductForm(request.POST or None, categories=categories, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            product = services.product_create(actor=request.user, data=_product_data(form, request))
        except DomainError as exc:
            domain_error_to_form(form, exc)
        else:
            messages.success(request, _("%(name)s created.") % {"name": product.name})
            return redirect("catalog:product_detail", product_id=product.pk)
    return render(request, "catalog/product_form.html", {"form": form})


@login_required
def product_edit(request: AuthedRequest, product_id: int) -> HttpResponse:
    product = _product(request, product_id)
    _require_manager(request)
    categories = selectors.category_choices(actor=request.user)
    form = ProductForm(request.POST or None, categories=categories, instance=product)
    if request.method == "POST" and form.is_valid():
        try:
            services.product_update(
                actor=request.user, product=product, data=_product_data(form, request)
            )
        except DomainError as exc:
            domain_error_to_form(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("catalog:product_detail", product_id=product.pk)
    return render(request, "catalog/product_form.html", {"form": form, "product": product})


@login_required
@require_POST
def product_image(request: AuthedRequest, product_id: int) -> HttpResponse:
    product = _product(request, product_id)
    _require_manager(request)
    form = ImageForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Choose a picture to upload."))
        return redirect("catalog:product_detail", product_id=product.pk)
    try:
        services.product_image_set(
            actor=request.user, product=product, upload=form.cleaned_data["image"]
        )
        messages.success(request, _("Picture saved."))
    except DomainError as exc:
        domain_error_message(request, exc)
    return redirect("catalog:product_detail", product_id=product.pk)


# --- SKUs ----------------------------------------------------------------------------------


@login_required
def sku_create(request: AuthedRequest, product_id: int) -> HttpResponse:
    product = _product(request, product_id)
    _require_manager(request)
    form = SkuForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            sku = services.sku_create(actor=request.user, product=product, data=form.cleaned_data)
        except DomainError as exc:
            domain_error_to_form(form, exc)
        else:
            messages.success(request, _("%(name)s created.") % {"name": sku.name})
            return redirect("catalog:sku_detail", sku_id=sku.pk)
    return render(request, "catalog/sku_form.html", {"form": form, "product": product})


@login_required
def sku_detail(request: AuthedRequest, sku_id: int) -> HttpResponse:
    sku = _sku(request, sku_id)
    user = request.user
    context = {
        "sku": sku,
        "product": sku.product,
        "audit": selectors.sku_timeline(actor=user, sku=sku),
        "can_manage": selectors.can_manage(user),
        "pack_form": PackForm(),
        "fitment_form": FitmentForm(),
    }
    return render(request, "catalog/sku_detail.html", context)


@login_required
def sku_edit(request: AuthedRequest, sku_id: int) -> HttpResponse:
    sku = _sku(request, sku_id)
    _require_manager(request)
    form = SkuForm(request.POST or None, instance=sku)
    if request.method == "POST" and form.is_valid():
        try:
            services.sku_update(actor=request.user, sku=sku, data=form.cleaned_data)
        except DomainError as exc:
            domain_error_to_form(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("catalog:sku_detail", sku_id=sku.pk)
    context = {"form": form, "product": sku.product, "sku": sku}
    return render(request, "catalog/sku_form.html", context)


def _form_errors(request: AuthedRequest, form: Any) -> None:
    for field_errors in form.errors.values():
        for error in field_errors:
            messages.error(request, str(error))


@login_required
@require_POST
def pack_add(request: AuthedRequest, sku_id: int) -> HttpResponse:
    sku = _sku(request, sku_id)
    _require_manager(request)
    form = PackForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return redirect("catalog:sku_detail", sku_id=sku.pk)
    try:
        services.sku_pack_add(actor=request.user, sku=sku, **form.cleaned_data)
        messages.success(request, _("Pack size added."))
    except DomainError as exc:
        domain_error_message(request, exc)
    return redirect("catalog:sku_detail", sku_id=sku.pk)


@login_required
@require_POST
def pack_remove(request: AuthedRequest, sku_id: int) -> HttpResponse:
    sku = _sku(request, sku_id)
    _require_manager(request)
    form = PackRemoveForm(request.POST)
    try:
        if not form.is_valid():
            raise errors.NotFound
        services.sku_pack_remove(actor=request.user, sku=sku, unit=form.cleaned_data["unit"])
        messages.success(request, _("Pack size removed."))
    except DomainError as exc:
        domain_error_message(request, exc)
    return redirect("catalog:sku_detail", sku_id=sku.pk)


@login_required
@require_POST
def fitment_add(request: AuthedRequest, sku_id: int) -> HttpResponse:
    sku = _sku(request, sku_id)
    _require_manager(request)
    form = FitmentForm(request.POST)
    try:
        if not form.is_valid():
            raise errors.NotFound(_("No product with this code."))
        code = form.cleaned_data["product_code"]
        try:
            product = selectors.product_get_by_code(actor=request.user, code=code)
        except errors.NotFound as exc:
            raise errors.NotFound(_("No product with this code.")) from exc
        services.fitment_add(actor=request.user, part=sku, product=product)
        messages.success(request, _("Now fits %(name)s.") % {"name": product.name})
    except DomainError as exc:
        domain_error_message(request, exc)
    return redirect("catalog:sku_detail", sku_id=sku.pk)


@login_required
@require_POST
def fitment_remove(request: AuthedRequest, sku_id: int, product_id: int) -> HttpResponse:
    sku = _sku(request, sku_id)
    product = _product(request, product_id)
    _require_manager(request)
    try:
        services.fitment_remove(actor=request.user, part=sku, product=product)
        messages.success(request, _("Fitment removed."))
    except DomainError as exc:
        domain_error_message(request, exc)
    return redirect("catalog:sku_detail", sku_id=sku.pk)


# --- categories ----------------------------------------------------------------------------


@login_required
def category_list(request: AuthedRequest) -> HttpResponse:
    rows = call_or_404(selectors.category_tree, actor=request.user)
    categories = selectors.category_choices(actor=request.user)
    context = {
        "rows": rows,
        "can_manage": selectors.can_manage(request.user),
        "form": CategoryForm(categories=categories),
        "rename_form": CategoryRenameForm(),
        "move_form": CategoryMoveForm(categories=categories, auto_id=False),
    }
    return render(request, "catalog/category_list.html", context)


@login_required
@require_POST
def category_create(request: AuthedRequest) -> HttpResponse:
    _require_manager(request)
    categories = selectors.category_choices(actor=request.user)
    form = CategoryForm(request.POST, categories=categories)
    if not form.is_valid():
        _form_errors(request, form)
        return redirect("catalog:category_list")
    data = form.cleaned_data
    try:
        parent = _category(request, data["parent"]) if data["parent"] else None
        category = services.category_create(
            actor=request.user, code=data["code"], name=data["name"], parent=parent
        )
        messages.success(request, _("%(name)s created.") % {"name": category.name})
    except DomainError as exc:
        domain_error_message(request, exc)
    return redirect("catalog:category_list")


@login_required
@require_POST
def category_rename(request: AuthedRequest, category_id: int) -> HttpResponse:
    category = _category(request, category_id)
    _require_manager(request)
    form = CategoryRenameForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return redirect("catalog:category_list")
    try:
        services.category_rename(
            actor=request.user, category=category, name=form.cleaned_data["name"]
        )
        messages.success(request, _("Saved."))
    except DomainError as exc:
        domain_error_message(request, exc)
    return redirect("catalog:category_list")


@login_required
@require_POST
def category_move(request: AuthedRequest, category_id: int) -> HttpResponse:
    category = _category(request, category_id)
    _require_manager(request)
    categories = selectors.category_choices(actor=request.user)
    form = CategoryMoveForm(request.POST, categories=categories)
    if not form.is_valid():
        _form_errors(request, form)
        return redirect("catalog:category_list")
    parent_id = form.cleaned_data["parent"]
    try:
        parent = _category(request, parent_id) if parent_id else None
        services.category_move(actor=request.user, category=category, new_parent=parent)
        messages.success(request, _("Moved."))
    except DomainError as exc:
        domain_error_message(request, exc)
    return redirect("catalog:category_list")


# --- product sets ---------------------------------------------------------------------------


def _category_codes(request: AuthedRequest) -> list[tuple[str, str]]:
    try:
        return selectors.category_code_choices(actor=request.user)
    except errors.PermissionDenied:
        return []


@login_required
def product_set_list(request: AuthedRequest) -> HttpResponse:
    """The product sets of the sellers in the actor's scope; a button per seller whose sets
    the actor writes."""
    q = request.GET.get("q", "")
    qs = call_or_404(selectors.product_set_list_for_actor, actor=request.user, q=q)
    context = {
        "page": paginate(request, qs),
        "q": q,
        "owners": selectors.product_set_owners(actor=request.user),
    }
    return render(request, "catalog/product_set_list.html", context)


def _set_form_page(request: AuthedRequest, context: dict[str, Any], status: int) -> HttpResponse:
    return render(request, "catalog/product_set_form.html", context, status=status)


@login_required
def product_set_create(request: AuthedRequest) -> HttpResponse:
    """A new set of one of the sellers whose promotions the actor manages (?owner= picks
    one); a refusal comes back on the form (400) with nothing written."""
    owners = selectors.product_set_owners(actor=request.user)
    if not owners:
        raise PermissionDenied
    wanted = _int_or_none(request.GET.get("owner"))
    initial = {"owner": wanted if wanted in {o.pk for o in owners} else owners[0].pk}
    form = ProductSetForm(
        request.POST or None,
        categories=_category_codes(request),
        owners=owners,
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        owner = next(o for o in owners if o.pk == form.cleaned_data["owner"])
        try:
            product_set = services.product_set_create(
                actor=request.user, owner=owner, data=form.payload()
            )
        except DomainError as exc:
            domain_error_to_form(form, exc)
        else:
            messages.success(request, _("%(name)s created.") % {"name": product_set.name})
            return redirect("catalog:product_set_detail", product_set_id=product_set.pk)
    return _set_form_page(request, {"form": form}, 400 if request.method == "POST" else 200)


@login_required
def product_set_detail(request: AuthedRequest, product_set_id: int) -> HttpResponse:
    """One set: what it holds and its history; its seller's promotion managers change it
    here (a refusal comes back on the form, 400, nothing written)."""
    product_set = call_or_404(
        selectors.product_set_get, actor=request.user, product_set_id=product_set_id
    )
    can_manage = selectors.can_manage_product_sets(request.user, product_set.owner)
    if request.method == "POST" and not can_manage:
        raise PermissionDenied
    form = None
    if can_manage:
        form = ProductSetForm(
            request.POST or None,
            categories=_category_codes(request),
            instance=product_set,
        )
    context = {
        "product_set": product_set,
        "form": form,
        "can_manage": can_manage,
        "audit": selectors.product_set_timeline(actor=request.user, product_set=product_set),
    }
    if request.method == "POST" and form is not None:
        if form.is_valid():
            try:
                services.product_set_update(
                    actor=request.user, product_set=product_set, data=form.payload()
                )
            except DomainError as exc:
                domain_error_to_form(form, exc)
            else:
                messages.success(request, _("Saved."))
                return redirect("catalog:product_set_detail", product_set_id=product_set.pk)
        return render(request, "catalog/product_set_detail.html", context, status=400)
    return render(request, "catalog/product_set_detail.html", context)


# --- Excel ---------------------------------------------------------------------------------


@login_required
def catalog_import_page(request: AuthedRequest) -> HttpResponse:
    _require_manager(request)
    form = ImportForm(request.POST or None, request.FILES or None)
    context: dict[str, Any] = {"form": form, "columns": COLUMNS}
    if request.method == "POST" and form.is_valid():
        try:
            result = catalog_import(actor=request.user, data=form.cleaned_data["file"].read())
        except DomainError as exc:
            domain_error_to_form(form, exc)
        else:
            keep_import_errors(request, result.errors)
            context.update(result=result, shown_errors=result.errors[:SHOWN_ERRORS])
            if result.ok:
                messages.success(request, _("Imported: nothing was refused."))
    return render(request, "catalog/import.html", context)


@login_required
def catalog_export_file(request: AuthedRequest) -> HttpResponse:
    data = call_or_404(catalog_export, actor=request.user)
    response = HttpResponse(data, content_type=XLSX)
    response["Content-Disposition"] = 'attachment; filename="catalog.xlsx"'
    return response
