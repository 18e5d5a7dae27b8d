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

        from rounds.jobs import hooks as jobs

        from .actions import pipeline_counts
        from .views import build_board, org_stages

        jobs.set_pipeline(stages=org_stages, counts=pipeline_counts, board=build_board)

        from rounds.candidates import hooks as candidates
        from rounds.jobs.models import Job

        from .actions import do_add_to_pipeline

        candidates.set_jobs(open_jobs=lambda user: Job.objects.visible_to(user).open(),
                            add=do_add_to_pipeline)

        from rounds.candidates import erasure

        from . import erasure as mine

        erasure.register("applications (kept anonymous)", erase=mine.erase, count=mine.count,
                         order=40)
