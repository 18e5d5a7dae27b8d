from django.apps import AppConfig


class MatchingConfig(AppConfig):
    name = "rounds.matching"
    label = "matching"
    verbose_name = "Matching"

    def ready(self):
        from rounds.pipeline import hooks

        from .tasks import queue_learning

        # Engaged, hired or rejected-for-fit tunes the organization's match weights.
        hooks.on_moved(queue_learning)

        from rounds.candidates import erasure

        from . import erasure as mine

        erasure.register("match profiles", erase=mine.erase, count=mine.count, order=60)
