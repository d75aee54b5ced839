from typing import Any

from django.core.management.base import BaseCommand

from qudao.network.seed import demo_logins, login_table


class Command(BaseCommand):
    help = "Print the demo logins (one per role) and their password."

    def handle(self, *args: Any, **options: Any) -> None:
        for line in login_table(demo_logins()):
            self.stdout.write(line)
