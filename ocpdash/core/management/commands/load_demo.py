from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ocpdash.core.commands import PeopleCommand
from ocpdash.core.demo import demo_password, load_demo, sync_demo_estate
from ocpdash.sites.models import OcpSite


class Command(PeopleCommand):
    help = gettext_lazy(
        "Create the demo users (admin, operator, viewer, approver), a catalog matching the simulator, "
        "the simulator's clusters (helios labelled production, needing one approval) and a weekly window."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--no-sync",
            action="store_true",
            help=gettext_lazy("Do not read the clusters from an in-process simulator."),
        )

    def handle(self, *args, **options):
        site = OcpSite.objects.filter(name=settings.OCP_SITE_NAME).first()
        clusters = 0
        if site is not None and not options["no_sync"]:
            clusters = sync_demo_estate(site)
        result = load_demo()
        history = 0
        if site is not None and not options["no_sync"]:
            from ocpdash.core.demo_history import seed_demo_history
            from ocpdash.sites.models import Cluster

            # Past upgrades shaped and timed as the simulator runs them: the ETA has history to show.
            history = seed_demo_history(Cluster.objects.filter(site=site))
        self.stdout.write(
            _(
                "Demo data: %(users)s new user(s), %(packages)s new package(s), %(clusters)s cluster(s) "
                "from the simulator, %(history)s past upgrade(s) of demo history, helios labelled production "
                "(%(policies)s new policy, %(windows)s new window). Logins: admin / operator / viewer / "
                "approver, password '%(password)s'."
            )
            % {
                "users": result["users"],
                "packages": result["packages"],
                "clusters": clusters,
                "history": history,
                "policies": result["policies"],
                "windows": result["windows"],
                "password": demo_password(),
            }
        )
