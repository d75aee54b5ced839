"""Give the built-in roles the finance permissions (accounts.constants.ROLES)."""

from django.db import migrations


def sync_roles(apps, schema_editor):
    from qudao.accounts.services import roles_sync

    roles_sync(role_model=apps.get_model("accounts", "Role"))


class Migration(migrations.Migration):
    dependencies = [("accounts", "0003_roles_catalog_pricing")]
    operations = [migrations.RunPython(sync_roles, migrations.RunPython.noop)]
