from django.core.management.base import BaseCommand

from ocpdash.core.catalogues import compile_catalogues


class Command(BaseCommand):
    help = "Compile the translation catalogues (locale/*/LC_MESSAGES/django.po) to .mo, without gettext."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="Compile even when the .mo is up to date.")

    def handle(self, *args, force: bool = False, **options):
        for mo_path in compile_catalogues(force=force):
            self.stdout.write(f"compiled {mo_path}")
