from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _ensure_search_index(sender, using, **kwargs):
    # On SQLite, a migration that alters a Candidate field rebuilds the table and silently drops
    # the FTS triggers; restoring them after every migrate keeps search from going stale.
    from django.db import connections

    from .search import install_search_index

    install_search_index(connections[using])


class CandidatesConfig(AppConfig):
    name = "rounds.candidates"
    label = "candidates"

    def ready(self):
        post_migrate.connect(_ensure_search_index, sender=self)
