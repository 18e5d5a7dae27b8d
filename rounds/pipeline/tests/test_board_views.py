"""The board (on the job page), moves from the web, the application panel, adding candidates."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from conftest import make_candidates
from rounds.audit.models import AuditEvent
from rounds.pipeline.models import Application, StageChange


def detail_url(job):
    return reverse("jobs:detail", args=[job.uuid])


def test_board_shows_a_column_per_stage_and_the_tile(login, recruiter, application, stages):
    response = login(recruiter).get(detail_url(application.job))
    assert response.status_code == 200
    html = response.content.decode()
    for name in stages:
        assert f'data-stage-name="{name}"' in html
    assert "Amara Okafor" in html
    assert reverse("pipeline:move", args=[application.pk]) in html
    assert 'draggable="true"' in html


def test_move_from_tile_select_records_change_and_redirects(login, recruiter, application, stages):
    url = reverse("pipeline:move", args=[application.pk])
    response = login(recruiter).post(url, {"stage": stages["Contacted"].pk})
    assert response.status_code == 302
    change = StageChange.objects.filter(application=application).latest("id")
    assert (change.from_stage, change.to_stage, change.actor) == (
        stages["Sourced"], stages["Contacted"], recruiter)


def test_htmx_move_returns_the_updated_board(login, recruiter, application, stages):
    url = reverse("pipeline:move", args=[application.pk])
    response = login(recruiter).post(url, {"stage": stages["Engaged"].pk}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith("<section id=\"board\"") or 'id="board"' in html[:400]
    assert "<html" not in html
    application.refresh_from_db()
    assert application.stage == stages["Engaged"]


def test_reject_without_reason_is_refused_with_a_clear_message(login, recruiter, application,
                                                               stages):
    client = login(recruiter)
    url = reverse("pipeline:move", args=[application.pk])
    response = client.post(url, {"stage": stages["Rejected"].pk})
    assert response.status_code == 400
    assert "Say why the candidate is rejected" in response.content.decode()
    response = client.post(url, {"stage": stages["Rejected"].pk}, HTTP_HX_REQUEST="true")
    assert "Not moved." in response.content.decode()
    assert StageChange.objects.filter(application=application).count() == 1
    response = client.post(url, {"stage": stages["Rejected"].pk, "reason": "compensation",
                                 "note": "Wants 20% more"})
    assert response.status_code == 302
    change = StageChange.objects.filter(application=application).latest("id")
    assert change.reason == "compensation" and change.note == "Wants 20% more"


def test_application_panel_shows_history_and_records_a_view(login, recruiter, owner, application,
                                                            stages):
    client = login(owner)
    client.post(reverse("pipeline:move", args=[application.pk]),
                {"stage": stages["Withdrawn"].pk, "reason": "family"})
    response = client.get(reverse("pipeline:application", args=[application.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Stage history" in html and "Withdrawn" in html and "Family / personal" in html
    assert AuditEvent.objects.filter(action="view", candidate_id=application.candidate_id,
                                     actor=owner).exists()


def test_next_action_form_edits_and_refuses_clearing(login, recruiter, application):
    client = login(recruiter)
    url = reverse("pipeline:next_action", args=[application.pk])
    response = client.post(url, {"next_action": "", "next_action_due_at": "",
                                 "owner": recruiter.pk})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Say what happens next." in html and "Say when it is due." in html
    application.refresh_from_db()
    assert application.next_action and application.next_action_due_at
    due = (timezone.localtime(timezone.now(), timezone=timezone.get_default_timezone())
           + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(url, {"next_action": "Site visit Friday", "next_action_due_at": due,
                                 "owner": recruiter.pk})
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.next_action == "Site visit Friday"


def test_add_candidate_search_and_add(login, recruiter, job, candidate):
    client = login(recruiter)
    response = client.get(reverse("pipeline:candidate_search", args=[job.uuid]), {"q": "okaf"})
    assert "Amara Okafor" in response.content.decode()
    response = client.post(reverse("pipeline:add", args=[job.uuid]),
                           {"candidate": str(candidate.uuid)}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert Application.objects.filter(job=job, candidate=candidate).exists()
    # Already in the pipeline: no longer offered, and adding again is refused.
    response = client.get(reverse("pipeline:candidate_search", args=[job.uuid]), {"q": "okaf"})
    assert "Amara Okafor" not in response.content.decode()
    response = client.post(reverse("pipeline:add", args=[job.uuid]),
                           {"candidate": str(candidate.uuid)}, HTTP_HX_REQUEST="true")
    assert "already in the pipeline" in response.content.decode()
    assert Application.objects.filter(job=job, candidate=candidate).count() == 1


def test_outsider_gets_404_on_every_board_route(login, outsider, application, stages):
    client = login(outsider)
    job = application.job
    pk = application.pk
    assert client.get(detail_url(job)).status_code == 404
    assert client.get(reverse("pipeline:board", args=[job.uuid])).status_code == 404
    assert client.get(reverse("pipeline:candidate_search", args=[job.uuid]),
                      {"q": "ok"}).status_code == 404
    assert client.post(reverse("pipeline:add", args=[job.uuid]),
                       {"candidate": str(application.candidate.uuid)}).status_code == 404
    assert client.get(reverse("pipeline:application", args=[pk])).status_code == 404
    assert client.post(reverse("pipeline:move", args=[pk]),
                       {"stage": stages["Contacted"].pk}).status_code == 404
    assert client.post(reverse("pipeline:next_action", args=[pk]),
                       {"next_action": "x"}).status_code == 404
    assert client.post(reverse("pipeline:complete", args=[pk]),
                       {"next_action": "x"}).status_code == 404
    assert StageChange.objects.filter(application=application).count() == 1


def test_outsider_cannot_add_own_candidate_to_our_job_or_ours_to_theirs(
        login, recruiter, application, outsider_application):
    client = login(recruiter)
    response = client.post(reverse("pipeline:add", args=[application.job.uuid]),
                           {"candidate": str(outsider_application.candidate.uuid)})
    assert response.status_code == 404


def test_read_only_sees_board_without_controls_and_gets_403_on_posts(login, read_only,
                                                                     application, stages):
    client = login(read_only)
    response = client.get(detail_url(application.job))
    html = response.content.decode()
    assert response.status_code == 200 and "Amara Okafor" in html
    assert 'draggable="true"' not in html and "move-form" not in html
    pk = application.pk
    assert client.post(reverse("pipeline:move", args=[pk]),
                       {"stage": stages["Contacted"].pk}).status_code == 403
    assert client.post(reverse("pipeline:next_action", args=[pk]), {}).status_code == 403
    assert client.post(reverse("pipeline:complete", args=[pk]), {}).status_code == 403
    assert client.post(reverse("pipeline:add", args=[application.job.uuid]),
                       {"candidate": str(application.candidate.uuid)}).status_code == 403
    assert StageChange.objects.filter(application=application).count() == 1


def test_hiring_manager_works_their_jobs_only(login, hiring_manager, hm_job, application,
                                             other_job, candidate, recruiter, stages):
    from rounds.pipeline.actions import do_add_to_pipeline

    elsewhere = do_add_to_pipeline(candidate, other_job, actor=recruiter)
    client = login(hiring_manager)
    assert client.get(detail_url(hm_job)).status_code == 200
    response = client.post(reverse("pipeline:move", args=[application.pk]),
                           {"stage": stages["Screened"].pk})
    assert response.status_code == 302
    assert client.get(detail_url(other_job)).status_code == 404
    assert client.get(reverse("pipeline:application", args=[elsewhere.pk])).status_code == 404
    assert client.post(reverse("pipeline:move", args=[elsewhere.pk]),
                       {"stage": stages["Screened"].pk}).status_code == 404
    # Hiring managers don't add candidates to jobs.
    assert client.post(reverse("pipeline:add", args=[hm_job.uuid]),
                       {"candidate": str(candidate.uuid)}).status_code == 403


@pytest.mark.parametrize("n", [3, 25])
def test_board_query_count_is_bounded(login, recruiter, org, job, stages, n,
                                      django_assert_max_num_queries):
    from rounds.pipeline.actions import do_add_to_pipeline

    for i, cand in enumerate(make_candidates(org, recruiter, n)):
        app = do_add_to_pipeline(cand, job, actor=recruiter)
        if i % 2:
            from rounds.pipeline.actions import do_move_application

            do_move_application(app, stages["Screened"], actor=recruiter)
    client = login(recruiter)
    with django_assert_max_num_queries(12):
        response = client.get(detail_url(job))
    assert response.status_code == 200
    with django_assert_max_num_queries(8):
        assert (
            client.get(
                reverse("pipeline:board", args=[job.uuid]), HTTP_HX_REQUEST="true"
            ).status_code
            == 200
        )


def test_the_board_opened_as_a_page_is_the_jobs_page(login, recruiter, job):
    """The fragment has no title or language of its own: opened directly, it redirects."""
    response = login(recruiter).get(reverse("pipeline:board", args=[job.uuid]))
    assert response.status_code == 302
    assert response["Location"] == detail_url(job)
