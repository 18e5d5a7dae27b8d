import uuid

from django.conf import settings
from django.db import models

from rounds.lib.tenancy import OrgOwned

from .choices import ImportStatus, RowOutcome


def import_path(instance, filename):
    return f"org_{instance.organization_id}/imports/{instance.uuid.hex}/{filename}"


class ImportBatch(OrgOwned):
    """One uploaded CSV/XLSX file, its column mapping, and how far its import has got.

    Rows are processed in chunks; each chunk and the `rows_done` cursor commit together, so an
    interrupted import resumes where it stopped and never leaves half a chunk behind."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    file = models.FileField(upload_to=import_path, max_length=300)
    original_name = models.CharField(max_length=255)
    file_format = models.CharField(max_length=10)  # csv | xlsx
    # How a CSV is read, found once at upload so every run reads it the same way.
    encoding = models.CharField(max_length=20, blank=True)
    delimiter = models.CharField(max_length=1, blank=True)
    sha256 = models.CharField(max_length=64, db_index=True)
    headers = models.JSONField(default=list)
    # How many rows have a value in each column, in the order of `headers`.
    filled = models.JSONField(default=list, blank=True)
    mapping = models.JSONField(
        default=dict, blank=True,
        help_text="field name → column header (or a list of headers, for several columns)",
    )
    default_profession = models.CharField(
        max_length=40, blank=True, help_text="Profession for rows whose profession cell is empty."
    )
    status = models.CharField(max_length=20, choices=ImportStatus, default=ImportStatus.MAPPING)
    total_rows = models.PositiveIntegerField(default=0)
    rows_done = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    # Rows created with something left out, and rows that were not a person's record.
    warning_count = models.PositiveIntegerField(default=0)
    skipped_count = models.PositiveIntegerField(default=0)
    duplicate_count = models.PositiveIntegerField(default=0)
    unchanged_count = models.PositiveIntegerField(default=0)
    error_count = models.PositiveIntegerField(default=0)
    error_message = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    # Touched with every committed chunk: a RUNNING batch whose heartbeat is old lost its worker.
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "import batches"

    def __str__(self) -> str:
        return self.original_name

    @property
    def progress_percent(self) -> int:
        return int(100 * self.rows_done / self.total_rows) if self.total_rows else 0


class ImportRowIssue(OrgOwned):
    """What the report says about one row: why it was not imported as a new candidate, or what
    was left out of the candidate it became (a warning), with its line number."""

    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, related_name="issues")
    line_number = models.PositiveIntegerField()
    outcome = models.CharField(max_length=20, choices=RowOutcome)
    field = models.CharField(max_length=60, blank=True)
    message = models.CharField(max_length=500)
    candidate = models.ForeignKey(
        "candidates.Candidate", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["line_number", "id"]
        indexes = [
            models.Index(fields=["batch", "outcome", "line_number"], name="import_issue_report")
        ]
