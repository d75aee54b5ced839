"""Writes of the category tree: create, rename, move (with its subtree)."""

from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from qudao.catalog.models import Category
from qudao.catalog.rules import clean_code, clean_name
from qudao.catalog.services._common import _actor_id, _code_taken, require_manager
from qudao.core.errors import ValidationFailed
from qudao.core.services import audit_record, event_record
from qudao.core.text import search_text


@transaction.atomic
def category_create(
    *, actor: Any, code: str, name: str, parent: Category | None = None
) -> Category:
    """A category at the top or under a parent; codes are unique in the whole tree."""
    require_manager(actor)
    code = clean_code(code, "code", 32)
    name = clean_name(name, "name", 60)
    if Category.objects.filter(code=code).exists():
        raise _code_taken("category_code_taken", code)
    instance = Category(code=code, name=name, search_text=search_text(name, code)[:300])
    try:
        with transaction.atomic():
            if parent is None:
                category = Category.objects.add_root(instance=instance)
            else:
                category = Category.objects.add_child(parent, instance=instance)
    except IntegrityError as exc:  # a concurrent create took the code (or the tree slot)
        raise _code_taken("category_code_taken", code) from exc
    audit_record(
        actor=actor,
        action="category.created",
        instance=category,
        changes={
            "code": [None, code],
            "name": [None, name],
            "parent": [None, parent.name if parent else None],
        },
    )
    event_record("category.created", {"category_id": category.pk, "actor_id": _actor_id(actor)})
    return category


@transaction.atomic
def category_rename(*, actor: Any, category: Category, name: str) -> Category:
    require_manager(actor)
    name = clean_name(name, "name", 60)
    category = Category.objects.select_for_update().get(pk=category.pk)
    old = category.name
    if old == name:
        return category
    category.name = name
    category.search_text = search_text(name, category.code)[:300]
    category.save(update_fields=["name", "search_text"])
    audit_record(
        actor=actor, action="category.updated", instance=category, changes={"name": [old, name]}
    )
    event_record("category.renamed", {"category_id": category.pk, "actor_id": _actor_id(actor)})
    return category


@transaction.atomic
def category_move(*, actor: Any, category: Category, new_parent: Category | None) -> Category:
    """Move a category with its subtree under another one (or to the top). Never under itself
    or its own descendant: that would cut the subtree off the tree."""
    require_manager(actor)
    category = Category.objects.select_for_update().get(pk=category.pk)
    if new_parent is not None:
        new_parent = Category.objects.select_for_update().get(pk=new_parent.pk)
        if new_parent.path.startswith(category.path):
            raise ValidationFailed(
                _("A category cannot move under itself or its own subcategory."),
                code="category_move_into_descendant",
                fields={"parent": [str(_("Choose another parent."))]},
            )
    old_parent = Category.objects.get_parent(category)
    if (old_parent.pk if old_parent else None) == (new_parent.pk if new_parent else None):
        return category
    if new_parent is not None:
        Category.objects.move(category, new_parent, pos="last-child")
    else:
        last_root = Category.objects.get_root_nodes().last()
        Category.objects.move(category, last_root, pos="last-sibling")
    category.refresh_from_db()
    audit_record(
        actor=actor,
        action="category.moved",
        instance=category,
        changes={
            "parent": [
                old_parent.name if old_parent else None,
                new_parent.name if new_parent else None,
            ]
        },
    )
    event_record(
        "category.moved",
        {
            "category_id": category.pk,
            "new_parent_id": new_parent.pk if new_parent else None,
            "actor_id": _actor_id(actor),
        },
    )
    return category
