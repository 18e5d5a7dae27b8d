from django.db import models


class FollowUpKind(models.TextChoices):
    REPLY = "reply", "Reply"
    APPLICATION = "application", "New application"
    CALL_TASK = "call_task", "Call task"
    REVIEW = "review", "Needs a person"  # e.g. an ambiguous opt-out


class FollowUpStatus(models.TextChoices):
    OPEN = "open", "Open"
    DONE = "done", "Answered"
    DISMISSED = "dismissed", "Dismissed"
