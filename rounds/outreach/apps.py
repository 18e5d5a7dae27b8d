from django.apps import AppConfig


class OutreachConfig(AppConfig):
    name = "rounds.outreach"
    label = "outreach"
    verbose_name = "Outreach"
