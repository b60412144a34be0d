from django.core.management.base import BaseCommand

from ocpdash.core.demo import demo_password, load_demo


class Command(BaseCommand):
    help = "Create the demo users (admin, operator, viewer) and a catalog matching the simulator."

    def handle(self, *args, **options):
        result = load_demo()
        self.stdout.write(
            f"Demo data: {result['users']} new user(s), {result['packages']} new package(s). "
            f"Logins: admin / operator / viewer, password '{demo_password()}'."
        )
