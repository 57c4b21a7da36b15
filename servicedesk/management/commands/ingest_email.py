import sys

from django.core.management.base import BaseCommand

from servicedesk.mailbox import email_ingest


class Command(BaseCommand):
    help = "Read one RFC 5322 message on stdin (pipe from an MTA) and turn it into a ticket."

    def handle(self, *args, **options):
        raw = sys.stdin.buffer.read()
        record = email_ingest(raw=raw)
        self.stdout.write(f"{record.status}: {record.reason} ({record.message_id})")
