"""The `qudao` console command: manage.py under the project's name (`qudao migrate`, …)."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qudao.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["qudao", *sys.argv[1:]])


if __name__ == "__main__":
    main()
