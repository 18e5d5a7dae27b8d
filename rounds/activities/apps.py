from django.apps import AppConfig


class ActivitiesConfig(AppConfig):
    name = "rounds.activities"
    label = "activities"
