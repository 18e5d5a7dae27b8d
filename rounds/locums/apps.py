from django.apps import AppConfig


class LocumsConfig(AppConfig):
    name = "rounds.locums"
    label = "locums"
    verbose_name = "Locum network"
