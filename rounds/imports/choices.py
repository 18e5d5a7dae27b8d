from django.db import models


class ImportStatus(models.TextChoices):
    MAPPING = "mapping", "Waiting for column mapping"
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    COMPLETED = "completed", "Completed"
    FAILED = "failed", "Failed"


class RowOutcome(models.TextChoices):
    ERROR = "error", "Error"
    WARNING = "warning", "Imported, with a warning"
    DUPLICATE = "duplicate", "Likely duplicate"
    UNCHANGED = "unchanged", "Already imported"
    SKIPPED = "skipped", "Not a candidate"
