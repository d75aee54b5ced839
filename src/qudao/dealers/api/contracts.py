"""Dealer lifecycle API: documents (papers with expiry dates and scans) and contracts (terms,
quarterly purchase targets and their attainment to date; draft, activate, renew, end).
Out-of-scope ids answer 404; a dealer's own people read, its managers change."""

from typing import Any

from django.db.models import QuerySet
from ninja import File, Form, Query, Router, Schema, Status, UploadedFile
from ninja.pagination import paginate

from qudao.core.pagination import PageNumberPagination
from qudao.core.types import ApiRequest
from qudao.dealers.models import Contract, Document
from qudao.dealers.schemas_contracts import (
    ContractDetailOut,
    ContractFilters,
    ContractIn,
    ContractOut,
    ContractUpdateIn,
    DocumentFilters,
    DocumentOut,
    EndIn,
)
from qudao.dealers.selectors import contracts as selectors
from qudao.dealers.services import contracts as services
from qudao.dealers.services import documents as document_services
from qudao.network.selectors import org_get

router = Router()


class DocumentIn(Schema):
    org_id: int
    kind: str
    title: str = ""
    number: str = ""
    issued_on: str = ""
    expires_on: str = ""


class DocumentRenewIn(Schema):
    title: str = ""
    number: str = ""
    issued_on: str = ""
    expires_on: str = ""


# --- documents ------------------------------------------------------------------------------


@router.get("/dealers/documents", response=list[DocumentOut])
@paginate(PageNumberPagination)
def document_list(request: ApiRequest, filters: Query[DocumentFilters]) -> QuerySet[Document]:
    """Current papers of the dealers the actor sees, expiring soonest first."""
    return selectors.document_list_for_actor(
        actor=request.auth,
        kind=filters.kind,
        state=filters.state,
        q=filters.q.strip(),
        org_id=filters.org,
    )


@router.post("/dealers/documents", response={201: DocumentOut})
def document_create(
    request: ApiRequest,
    payload: Form[DocumentIn],
    file: UploadedFile | None = File(None),  # noqa: B008 — ninja's optional upload
) -> Status[Document]:
    """A dealer's paper (multipart/form-data; the scan optional: JPG, PNG or PDF, at most
    5 MB). A valid brand authorisation lifts the dealer's `authorisation_expired` hold."""
    org = org_get(actor=request.auth, org_id=payload.org_id)
    data = payload.dict()
    data.pop("org_id")
    document = document_services.document_create(
        actor=request.auth, org=org, data=data, upload=file
    )
    return Status(201, selectors.document_get(actor=request.auth, document_id=document.pk))


@router.get("/dealers/documents/{document_id}", response=DocumentOut)
def document_get(request: ApiRequest, document_id: int) -> Document:
    return selectors.document_get(actor=request.auth, document_id=document_id)


@router.post("/dealers/documents/{document_id}/renew", response={201: DocumentOut})
def document_renew(
    request: ApiRequest,
    document_id: int,
    payload: Form[DocumentRenewIn],
    file: UploadedFile | None = File(None),  # noqa: B008 — ninja's optional upload
) -> Status[Document]:
    """The renewed paper, replacing this one (only the latest of a chain: otherwise
    `document_replaced`)."""
    document = selectors.document_get(actor=request.auth, document_id=document_id)
    renewed = document_services.document_replace(
        actor=request.auth, document=document, data=payload.dict(), upload=file
    )
    return Status(201, selectors.document_get(actor=request.auth, document_id=renewed.pk))


# --- contracts ------------------------------------------------------------------------------


def _detail(actor: Any, contract_id: int) -> dict[str, Any]:
    contract = selectors.contract_get(actor=actor, contract_id=contract_id)
    renewal = Contract.objects.filter(renews=contract).values_list("pk", flat=True).first()
    return {
        **{f: getattr(contract, f) for f in ContractOut.model_fields if f != "targets"},
        "org": contract.org,
        "seller": contract.seller,
        "targets": list(contract.targets.all()),
        "actions": sorted(selectors.contract_actions(actor=actor, contract=contract)),
        "renewed_by_id": renewal,
    }


def _targets(rows: list[Any] | None) -> list[dict[str, Any]] | None:
    if rows is None:
        return None
    return [
        {"quarter": t.quarter, "category": t.category_id, "amount": t.amount, "units": t.units}
        for t in rows
    ]


@router.get("/dealers/contracts", response=list[ContractOut])
@paginate(PageNumberPagination)
def contract_list(request: ApiRequest, filters: Query[ContractFilters]) -> QuerySet[Contract]:
    """Contracts of the dealers the actor sees, each with its targets and their attainment
    to date: what the dealer bought from the seller in the quarter (accepted orders, net of
    returns), in the target's category and its subcategories."""
    return selectors.contract_list_for_actor(
        actor=request.auth,
        year=filters.year,
        status=filters.status,
        q=filters.q.strip(),
        org_id=filters.org,
    )


@router.post("/dealers/contracts", response={201: ContractDetailOut})
def contract_create(request: ApiRequest, payload: ContractIn) -> Status[dict[str, Any]]:
    """A draft contract with its targets; refused with a stable code, nothing written."""
    org = org_get(actor=request.auth, org_id=payload.org_id)
    data = payload.dict(exclude={"org_id", "targets", "seller_id"})
    data["seller"] = payload.seller_id
    contract = services.contract_create(
        actor=request.auth, org=org, data=data, targets=_targets(payload.targets)
    )
    return Status(201, _detail(request.auth, contract.pk))


@router.get("/dealers/contracts/{contract_id}", response=ContractDetailOut)
def contract_get(request: ApiRequest, contract_id: int) -> dict[str, Any]:
    """The contract, its targets with their attainment to date and what the actor may do."""
    return _detail(request.auth, contract_id)


@router.patch("/dealers/contracts/{contract_id}", response=ContractDetailOut)
def contract_update(
    request: ApiRequest, contract_id: int, payload: ContractUpdateIn
) -> dict[str, Any]:
    """Change a draft (the fields given; `targets`, when given, replace all of them)."""
    contract = selectors.contract_get(actor=request.auth, contract_id=contract_id)
    given = payload.model_fields_set - {"targets", "seller_id"}
    data = {k: getattr(payload, k) for k in given if getattr(payload, k) is not None}
    if payload.seller_id is not None:
        data["seller"] = payload.seller_id
    services.contract_update(
        actor=request.auth, contract=contract, data=data, targets=_targets(payload.targets)
    )
    return _detail(request.auth, contract_id)


@router.post("/dealers/contracts/{contract_id}/activate", response=ContractDetailOut)
def contract_activate(request: ApiRequest, contract_id: int) -> dict[str, Any]:
    contract = selectors.contract_get(actor=request.auth, contract_id=contract_id)
    services.contract_activate(actor=request.auth, contract=contract)
    return _detail(request.auth, contract_id)


@router.post("/dealers/contracts/{contract_id}/renew", response={201: ContractDetailOut})
def contract_renew(request: ApiRequest, contract_id: int) -> Status[dict[str, Any]]:
    """Next year's draft with the same terms and targets."""
    contract = selectors.contract_get(actor=request.auth, contract_id=contract_id)
    renewal = services.contract_renew(actor=request.auth, contract=contract)
    return Status(201, _detail(request.auth, renewal.pk))


@router.post("/dealers/contracts/{contract_id}/end", response=ContractDetailOut)
def contract_end(request: ApiRequest, contract_id: int, payload: EndIn) -> dict[str, Any]:
    contract = selectors.contract_get(actor=request.auth, contract_id=contract_id)
    services.contract_end(actor=request.auth, contract=contract, reason=payload.reason)
    return _detail(request.auth, contract_id)
