"""Give the built-in roles the dealer-lifecycle permission and add the channel manager
(accounts.constants.ROLES)."""

from django.db import migrations


def sync_roles(apps, schema_editor):
    from qudao.accounts.services import roles_sync

    roles_sync(role_model=apps.get_model("accounts", "Role"))


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_roles_finance"),
        ("promotions", "0002_roles_promotions"),
        ("orders", "0002_roles_orders"),
    ]
    operations = [migrations.RunPython(sync_roles, migrations.RunPython.noop)]
