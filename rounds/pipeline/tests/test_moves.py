"""Stage moves and next actions, through the real actions."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from rounds.activities.choices import ActivityKind
from rounds.activities.models import Activity
from rounds.pipeline import actions
from rounds.pipeline.choices import DispositionReason
from rounds.pipeline.models import StageChange


def test_adding_to_pipeline_records_first_stage_and_default_next_action(application, recruiter,
                                                                        stages):
    assert application.stage == stages["Sourced"]
    assert application.next_action
    assert application.next_action_due_at > timezone.now()
    assert application.owner == recruiter  # the job's owner
    change = StageChange.objects.get(application=application)
    assert change.from_stage is None and change.to_stage == stages["Sourced"]
    assert change.actor == recruiter


def test_stage_moves_recorded_with_from_to_actor_and_time(application, stages, owner):
    before = timezone.now()
    actions.do_move_application(application, stages["Contacted"], actor=owner)
    actions.do_move_application(application, stages["Engaged"], actor=owner, note="Replied by SMS")
    moves = list(StageChange.objects.filter(application=application).order_by("at", "id"))
    assert [(m.from_stage and m.from_stage.name, m.to_stage.name) for m in moves] == [
        (None, "Sourced"), ("Sourced", "Contacted"), ("Contacted", "Engaged")]
    assert all(m.actor == owner for m in moves[1:])
    assert all(m.at >= before for m in moves[1:])
    assert moves[2].note == "Replied by SMS"
    application.refresh_from_db()
    assert application.stage == stages["Engaged"]
    assert application.next_action == actions.DEFAULT_NEXT_ACTION["Engaged"][0]
    assert Activity.objects.filter(application=application,
                                   kind=ActivityKind.STAGE_CHANGE).count() == 3


def test_reject_without_reason_is_refused_and_nothing_recorded(application, stages, owner):
    with pytest.raises(ValidationError) as exc:
        actions.do_move_application(application, stages["Rejected"], actor=owner)
    assert "reason" in exc.value.message_dict
    assert StageChange.objects.filter(application=application).count() == 1
    application.refresh_from_db()
    assert application.stage == stages["Sourced"]


def test_withdrawn_with_reason_records_reason_and_closes_next_action(application, stages, owner):
    change = actions.do_move_application(application, stages["Withdrawn"], actor=owner,
                                         reason=DispositionReason.OTHER_OFFER,
                                         note="Went to Calgary")
    assert change.reason == DispositionReason.OTHER_OFFER
    application.refresh_from_db()
    assert application.disposition_reason == DispositionReason.OTHER_OFFER
    assert application.next_action == "" and application.next_action_due_at is None


def test_moving_back_from_rejected_restores_a_next_action(application, stages, owner):
    actions.do_move_application(application, stages["Rejected"], actor=owner,
                                reason=DispositionReason.TIMING)
    actions.do_move_application(application, stages["Screened"], actor=owner)
    application.refresh_from_db()
    assert application.next_action and application.next_action_due_at
    assert application.disposition_reason == ""


def test_next_action_edit_keeps_text_due_and_owner(application, owner):
    due = timezone.now() + timedelta(hours=5)
    actions.do_set_next_action(application, actor=owner, text="Call re: site visit", due_at=due,
                               owner=owner)
    application.refresh_from_db()
    assert (application.next_action, application.owner) == ("Call re: site visit", owner)
    assert abs((application.next_action_due_at - due).total_seconds()) < 1


@pytest.mark.parametrize("text,due", [("", "due"), ("   ", "due"), ("Call", None)])
def test_next_action_cannot_be_cleared_on_open_application(application, owner, text, due):
    due_at = timezone.now() + timedelta(days=1) if due else None
    with pytest.raises(ValidationError):
        actions.do_set_next_action(application, actor=owner, text=text, due_at=due_at)
    application.refresh_from_db()
    assert application.next_action and application.next_action_due_at


def test_complete_next_action_logs_done_and_sets_the_next(application, owner):
    first = application.next_action
    actions.do_complete_next_action(application, actor=owner, text="Send contract",
                                    due_at=timezone.now() + timedelta(days=2))
    assert Activity.objects.filter(application=application, subject=f"Done: {first}").exists()
    application.refresh_from_db()
    assert application.next_action == "Send contract"


def test_move_to_a_stage_of_another_org_is_refused(application, outsider_application, owner):
    with pytest.raises(ValidationError):
        actions.do_move_application(application, outsider_application.stage, actor=owner)
