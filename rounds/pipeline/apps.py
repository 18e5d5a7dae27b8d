from django.apps import AppConfig


class PipelineConfig(AppConfig):
    name = "rounds.pipeline"
    label = "pipeline"
