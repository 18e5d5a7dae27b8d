from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _ensure_search_index(sender, using, **kwargs):
    # On SQLite, a migration that alters a Candidate field rebuilds the table and silently drops
    # the FTS triggers; restoring them after every migrate keeps search from going stale.
    from django.db import connections

    from .search import install_search_index

    install_search_index(connections[using])


def _start_retention_schedule(sender, using, **kwargs):
    # On a server, `migrate` starts the daily retention run; it queues the next one itself.
    # Tests leave the queue alone (a test that wants it turns RETENTION_SCHEDULE on).
    from django.conf import settings

    if getattr(settings, "RETENTION_SCHEDULE", True) and not getattr(settings, "TESTING", False):
        from .tasks import ensure_retention_scheduled

        ensure_retention_scheduled()


class CandidatesConfig(AppConfig):
    name = "rounds.candidates"
    label = "candidates"

    def ready(self):
        post_migrate.connect(_ensure_search_index, sender=self)
        post_migrate.connect(_start_retention_schedule, sender=self)
