from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from qudao.accounts.models import ApiToken, Role, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "display_name", "mobile", "is_active", "is_staff")
    search_fields = ("username", "display_name", "mobile")
    fieldsets = (
        *(BaseUserAdmin.fieldsets or ()),
        ("Qudao", {"fields": ("display_name", "mobile")}),
    )


@admin.register(Role)
class RoleAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "org_kinds")


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("user", "name", "prefix", "created_at", "last_used_at", "revoked_at")
    readonly_fields = ("token_hash", "prefix")
