from django.contrib import admin
from treebeard.admin import TreeAdmin
from treebeard.forms import movenodeform_factory

from qudao.core.admin import AuditedAdminMixin
from qudao.network.models import Division, Membership, Org, SupplyLink


@admin.register(Org)
class OrgAdmin(TreeAdmin):
    form = movenodeform_factory(Org, exclude=["search_text"])
    list_display = ("name", "code", "kind", "status", "grade")
    list_filter = ("kind", "status", "grade")
    search_fields = ("name", "code", "search_text")


@admin.register(SupplyLink)
class SupplyLinkAdmin(admin.ModelAdmin):
    list_display = ("buyer", "seller", "kind", "is_active")
    raw_id_fields = ("buyer", "seller")


@admin.register(Membership)
class MembershipAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ("user", "org", "role", "is_active")
    raw_id_fields = ("user", "org")
    audit_prefix = "membership"
    audit_fields = ("user", "org", "role", "is_active")


@admin.register(Division)
class DivisionAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "level", "parent")
    search_fields = ("code", "name")
