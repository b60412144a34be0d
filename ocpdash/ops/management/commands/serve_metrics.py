import signal

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ocpdash.core.commands import PeopleCommand


class Command(PeopleCommand):
    help = gettext_lazy(
        "Serve this host's process metrics (PROMETHEUS_MULTIPROC_DIR) over HTTP, for a worker host "
        "without the web: the web's /metrics sees only its own host's folder."
    )

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1", help=gettext_lazy("Address to listen on"))
        parser.add_argument("--port", type=int, default=9808)

    def handle(self, *args, **options):
        from prometheus_client import CollectorRegistry, start_http_server
        from prometheus_client.multiprocess import MultiProcessCollector

        registry = CollectorRegistry()
        MultiProcessCollector(registry, path=settings.PROMETHEUS_MULTIPROC_DIR)
        start_http_server(options["port"], addr=options["host"], registry=registry)
        url = f"http://{options['host']}:{options['port']}/"
        self.stdout.write(
            _("Metrics of %(folder)s on %(url)s") % {"folder": settings.PROMETHEUS_MULTIPROC_DIR, "url": url},
            ending="\n",
        )
        self.stdout.flush()
        signal.pause()
