"""Create the roles of DESIGN.md §1 from accounts.constants.ROLES."""

from django.db import migrations


def create_roles(apps, schema_editor):
    from qudao.accounts.services import roles_sync

    roles_sync(role_model=apps.get_model("accounts", "Role"))


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]
    operations = [migrations.RunPython(create_roles, migrations.RunPython.noop)]
