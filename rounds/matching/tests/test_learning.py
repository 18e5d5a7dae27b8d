"""Learning from outcomes: thumbs and pipeline moves move an organization's weights, once each,
with every change recorded and explained; other organizations are untouched."""

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction

from rounds.accounts.models import Site
from rounds.candidates import actions as candidate_actions
from rounds.candidates.models import Licence
from rounds.jobs.models import Job
from rounds.matching import actions
from rounds.matching.choices import DEFAULT_WEIGHTS, MAX_WEIGHT, MIN_WEIGHT, FeedbackSource
from rounds.matching.engine import weights_for
from rounds.matching.models import MatchFeedback, WeightChange
from rounds.pipeline.actions import do_add_to_pipeline, do_move_application


def person(org, actor, first, city, region, licence, specialty="Family medicine"):
    c = candidate_actions.do_create_candidate(
        org.pk, actor=actor, first_name=first, last_name="Test", profession="physician",
        city=city, region=region, country="CA", specialties=[specialty],
    )
    candidate_actions.do_add_related(c, Licence, actor=actor, jurisdiction=licence,
                                     status="active")
    return c


@pytest.fixture
def setup(org, recruiter):
    site = Site.objects.create(organization=org, name="Red Deer", city="Red Deer", region="AB",
                               country="CA", latitude=52.268, longitude=-113.811)
    job = Job.objects.create(organization=org, title="Family physician", profession="physician",
                             specialty="Family medicine", licence_jurisdiction="CA-AB",
                             site=site)
    near = person(org, recruiter, "Near", "Red Deer", "AB", "CA-AB")
    far = person(org, recruiter, "Far", "Halifax", "NS", "CA-AB")
    person(org, recruiter, "Other", "Red Deer", "AB", "CA-AB", specialty="Hospitalist")
    return job, near, far


def test_thumbs_up_on_a_distant_candidate_lowers_the_distance_weight(org, recruiter, setup):
    job, _near, far = setup
    before = weights_for(org.pk)
    feedback = actions.do_record_feedback(job, far, actor=recruiter, positive=True)
    after = weights_for(org.pk)
    assert feedback.source == FeedbackSource.THUMBS_UP
    assert feedback.components["distance"] < 1
    assert after["distance"] < before["distance"]
    assert abs(sum(after.values()) - 1) < 0.001
    change = WeightChange.objects.get(organization=org)
    assert change.feedback == feedback
    assert "distance" in change.summary.lower()
    assert change.deltas()[0][0] == "distance" or any(d[0] == "distance" for d in change.deltas())


def test_thumbs_down_moves_the_other_way(org, recruiter, setup):
    job, _near, far = setup
    before = weights_for(org.pk)
    actions.do_record_feedback(job, far, actor=recruiter, positive=False)
    assert weights_for(org.pk)["distance"] > before["distance"]


def test_repeating_a_verdict_changes_nothing(org, recruiter, setup):
    job, _near, far = setup
    actions.do_record_feedback(job, far, actor=recruiter, positive=True)
    once = weights_for(org.pk)
    assert actions.do_record_feedback(job, far, actor=recruiter, positive=True) is None
    assert weights_for(org.pk) == once
    assert MatchFeedback.objects.filter(job=job).count() == 1
    assert actions.current_verdicts(job, recruiter) == {far.pk: FeedbackSource.THUMBS_UP}


def test_weights_stay_within_bounds_after_many_signals(org, recruiter, setup):
    job, near, far = setup
    for i in range(40):
        actions.learn(job, far if i % 3 else near, FeedbackSource.THUMBS_UP, actor=recruiter)
    w = weights_for(org.pk)
    assert all(MIN_WEIGHT - 1e-6 <= v <= MAX_WEIGHT + 1e-6 for v in w.values())
    assert abs(sum(w.values()) - 1) < 0.001


def test_feedback_in_one_org_leaves_another_alone(org, other_org, recruiter, setup):
    job, _near, far = setup
    actions.do_record_feedback(job, far, actor=recruiter, positive=True)
    assert weights_for(other_org.pk) == DEFAULT_WEIGHTS


def test_feedback_on_another_orgs_candidate_is_refused(org, other_org, outsider, recruiter,
                                                       setup):
    job, _near, _far = setup
    stranger = candidate_actions.do_create_candidate(
        other_org.pk, actor=outsider, first_name="S", last_name="T", profession="physician")
    with pytest.raises(ValidationError):
        actions.do_record_feedback(job, stranger, actor=recruiter, positive=True)


def test_manual_weights_are_scaled_and_recorded(org, owner):
    actions.do_set_weights(org.pk, {"distance": 0.5, "specialty": 0.5}, actor=owner)
    w = weights_for(org.pk)
    assert w["distance"] == pytest.approx(w["specialty"])
    assert abs(sum(w.values()) - 1) < 0.001
    assert WeightChange.objects.get(organization=org).source == FeedbackSource.MANUAL
    with pytest.raises(ValidationError):
        actions.do_set_weights(org.pk, {"charisma": 1}, actor=owner)
    with pytest.raises(ValidationError):
        actions.do_set_weights(org.pk, {"distance": -1}, actor=owner)
    actions.do_reset_weights(org.pk, actor=owner)
    assert weights_for(org.pk) == DEFAULT_WEIGHTS


@pytest.mark.django_db(transaction=True)
def test_pipeline_outcomes_are_learnt_once_through_the_queue(org, recruiter, stages, setup,
                                                             run_tasks):
    job, _near, far = setup
    with transaction.atomic():
        application = do_add_to_pipeline(far, job, actor=recruiter)
    with transaction.atomic():
        do_move_application(application, stages["Engaged"], actor=recruiter)
    with transaction.atomic():
        do_move_application(application, stages["Hired"], actor=recruiter)
    with transaction.atomic():
        do_move_application(application, stages["Started"], actor=recruiter)
    run_tasks()
    run_tasks()
    sources = sorted(MatchFeedback.objects.filter(job=job).values_list("source", flat=True))
    assert sources == [FeedbackSource.ENGAGED, FeedbackSource.HIRED]
    assert WeightChange.objects.filter(organization=org).count() == 2
    assert weights_for(org.pk) != DEFAULT_WEIGHTS


def test_rejection_for_no_response_teaches_nothing(org, recruiter, stages, setup):
    job, _near, far = setup
    application = do_add_to_pipeline(far, job, actor=recruiter)
    change = do_move_application(application, stages["Rejected"], actor=recruiter,
                                 reason="no_response")
    assert actions.outcome_of(change) is None
    assert actions.do_learn_from_stage_change(change) is None


def test_pipeline_outcomes_reach_the_match_profile(org, recruiter, setup):
    """Adding to a pipeline and moving an application change the candidate as matching sees
    them (applications, engaged, hired): the candidate's stamp moves, so the profile and the
    index catch up instead of keeping `hired 0` forever."""
    from rounds.matching.index import for_organization
    from rounds.matching.models import MatchProfile
    from rounds.pipeline.models import Stage

    job, near, _far = setup
    index = for_organization(org.pk)
    row = index.row_of[near.pk]
    assert int(index.cols["applications"][row]) == 0
    application = do_add_to_pipeline(near, job, actor=recruiter)
    for_organization(org.pk)
    assert MatchProfile.objects.get(candidate=near).applications == 1
    assert int(index.cols["applications"][index.row_of[near.pk]]) == 1
    hired = Stage.objects.get(organization=org, kind="hired", name="Hired")
    do_move_application(application, hired, actor=recruiter)
    for_organization(org.pk)
    assert MatchProfile.objects.get(candidate=near).hired == 1
    assert int(index.cols["hired"][index.row_of[near.pk]]) == 1


def test_learning_cannot_drive_a_component_to_nothing(org, recruiter, setup):
    """A hundred signals pushing the same way leave every component within half and twice its
    default: distance still counts after many thumbs up on a distant candidate."""
    job, _near, far = setup
    for _ in range(100):
        actions.learn(job, far, FeedbackSource.THUMBS_UP, actor=recruiter)
    w = weights_for(org.pk)
    for key, default in DEFAULT_WEIGHTS.items():
        assert default / 2 - 1e-3 <= w[key] <= default * 2 + 1e-3, (key, w[key], default)
    assert abs(sum(w.values()) - 1) < 0.001
