from django.apps import AppConfig


class CandidatesConfig(AppConfig):
    name = "rounds.candidates"
    label = "candidates"
