from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Demo and benchmark data: realistic, deterministic organizations and candidates."""

    name = "rounds.demo"
    label = "demo"
