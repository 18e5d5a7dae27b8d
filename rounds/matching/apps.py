from django.apps import AppConfig


class MatchingConfig(AppConfig):
    name = "rounds.matching"
    label = "matching"
    verbose_name = "Matching"
