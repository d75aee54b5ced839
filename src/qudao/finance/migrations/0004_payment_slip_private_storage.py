"""Transfer slips are financial documents: they move from public media (MEDIA_ROOT, served
under /media/ in development) to private storage, served only by the scoped slip view. The
files of existing payments move along under the same names."""

from django.core.files.storage import storages
from django.db import migrations, models

import qudao.core.files


def slips_move(payment_model, source, target):
    moved = 0
    names = payment_model.objects.exclude(slip="").values_list("slip", flat=True)
    for name in names.iterator():
        if source.exists(name) and not target.exists(name):
            with source.open(name, "rb") as content:
                target.save(name, content)
            source.delete(name)
            moved += 1
    return moved


def to_private(apps, schema_editor):
    slips_move(apps.get_model("finance", "Payment"), storages["default"], storages["private"])


def to_public(apps, schema_editor):
    slips_move(apps.get_model("finance", "Payment"), storages["private"], storages["default"])


class Migration(migrations.Migration):
    dependencies = [
        ("finance", "0003_position_deposit"),
    ]

    operations = [
        migrations.AlterField(
            model_name="payment",
            name="slip",
            field=models.FileField(
                blank=True,
                storage=qudao.core.files.private_storage,
                upload_to="finance/slips/",
                verbose_name="transfer slip",
            ),
        ),
        migrations.RunPython(to_private, to_public, elidable=True),
    ]
