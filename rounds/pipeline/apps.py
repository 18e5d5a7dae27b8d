from django.apps import AppConfig


class PipelineConfig(AppConfig):
    name = "rounds.pipeline"
    label = "pipeline"

    def ready(self):
        from rounds.candidates import erasure

        from . import erasure as mine

        erasure.register("applications (kept anonymous)", erase=mine.erase, count=mine.count,
                         order=40)
