from django.apps import AppConfig


class ActivitiesConfig(AppConfig):
    name = "rounds.activities"
    label = "activities"

    def ready(self):
        from rounds.candidates import erasure

        from . import erasure as mine

        erasure.register("timeline entries", erase=mine.erase, count=mine.count, order=30)
