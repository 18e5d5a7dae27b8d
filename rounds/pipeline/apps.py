from django.apps import AppConfig


class PipelineConfig(AppConfig):
    name = "rounds.pipeline"
    label = "pipeline"

    def ready(self):
        from rounds.accounts import hooks

        from .actions import ensure_default_stages
        from .models import Stage

        hooks.on_organization_created(lambda org: ensure_default_stages(org.pk))
        hooks.on_settings(lambda request: {"stages": Stage.objects.visible_to(request.user)
                                           .order_by("sequence", "id")})

        from rounds.candidates import erasure

        from . import erasure as mine

        erasure.register("applications (kept anonymous)", erase=mine.erase, count=mine.count,
                         order=40)
