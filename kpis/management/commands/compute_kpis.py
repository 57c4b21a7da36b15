import datetime

from django.core.management.base import BaseCommand, CommandError

from kpis import registry
from kpis.actions import kpis_compute


class Command(BaseCommand):
    help = "Compute KPI snapshots in-process (the same work as the Celery task)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--as-of",
            type=datetime.date.fromisoformat,
            default=None,
            help="The date the periods end at (YYYY-MM-DD); default today.",
        )
        parser.add_argument(
            "--backfill",
            type=int,
            default=0,
            metavar="DAYS",
            help="Also compute every period of the DAYS days before.",
        )
        parser.add_argument(
            "--code",
            action="append",
            dest="codes",
            default=None,
            help="Only this KPI (repeatable).",
        )
        parser.add_argument(
            "--scope",
            action="append",
            dest="scopes",
            default=None,
            choices=registry.SCOPE_KINDS,
            help="Only this scope kind (repeatable).",
        )

    def handle(self, *args, as_of, backfill, codes, scopes, **options):
        if backfill < 0:
            raise CommandError("--backfill must be 0 or more days")
        try:
            run = kpis_compute(
                as_of=as_of, codes=codes, scopes=scopes, backfill_days=backfill, trigger="command"
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        for code, outcome in run.per_kpi.items():
            self.stdout.write(f"  {code:28} {outcome}")
        self.stdout.write(
            f"Run #{run.pk} {run.status}: {run.rows_written} values in "
            f"{run.duration.total_seconds():.1f}s."
        )
        if run.status == "failed":
            raise CommandError("every KPI failed")
