"""Django's `migrate`, with Melior's upgrade steps first (melior.ops.upgrades): an instance
installed before a change of app label keeps its data whichever way it is migrated."""

from django.core.management.commands.migrate import Command as MigrateCommand

from melior.ops.upgrades import rename_app_labels


class Command(MigrateCommand):
    def handle(self, *args, **options):
        for moved in rename_app_labels(options["database"]):
            if options["verbosity"]:
                self.stdout.write(f"Upgrade: app label {moved}")
        return super().handle(*args, **options)
