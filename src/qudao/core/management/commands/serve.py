"""`qudao serve`: the embedded server of `make run` (threaded WSGI, static files by WhiteNoise).

Production runs gunicorn instead (see README). The demo logins are printed last, so they are
the last lines a new user sees.
"""

import os

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.core.servers.basehttp import get_internal_wsgi_application, run


class Command(BaseCommand):
    help = "Serve the app on 127.0.0.1 (PORT or --port, default 8000)."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT") or 8000))

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        host, port = options["host"], options["port"]
        self.stdout.write(f"Qudao is serving http://{host}:{port}/  (Ctrl-C stops it)")
        call_command("demo_logins", stdout=self.stdout)
        self.stdout.flush()
        try:
            run(host, port, get_internal_wsgi_application(), threading=True)
        except OSError as exc:
            raise CommandError(f"cannot listen on {host}:{port}: {exc}") from exc
        except KeyboardInterrupt:
            pass
