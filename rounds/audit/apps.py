from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "rounds.audit"
    label = "audit"
