"""The import pages: upload, mapping, progress and report; roles and tenant isolation."""

import pytest
from django.urls import reverse

from rounds.audit.models import AuditEvent
from rounds.candidates.models import Candidate
from rounds.imports import actions
from rounds.imports.choices import ImportStatus
from rounds.imports.models import ImportBatch

from .conftest import csv_bytes, person, upload


@pytest.fixture
def batch(org, recruiter):
    return actions.do_create_batch(
        org.pk, upload(csv_bytes([person(1), person(2, **{"E-mail": "=cmd|calc"})])),
        actor=recruiter,
    )


def test_upload_then_map_then_report(login, recruiter):
    client = login(recruiter)
    assert client.get(reverse("imports:list")).status_code == 200
    content = csv_bytes([person(1), person(2, **{"Mobile": "12"})])
    response = client.post(reverse("imports:list"), {"file": upload(content)})
    batch = ImportBatch.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "imports:map", args=[batch.uuid])

    page = client.get(reverse("imports:map", args=[batch.uuid]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Ana1" in html  # preview
    assert page.context["form"]["email"].initial == "E-mail"

    data = {k: v for k, v in batch.mapping.items()}
    response = client.post(reverse("imports:map", args=[batch.uuid]), data)
    assert response.status_code == 302
    batch.refresh_from_db()
    assert batch.status == ImportStatus.COMPLETED  # 2 rows: imported during the request
    report = client.get(reverse("imports:detail", args=[batch.uuid]))
    html = report.content.decode()
    assert "Imported with warnings" in html
    assert "12” is not a valid phone number" in html and "Imported without it." in html
    assert Candidate.objects.filter(first_name="Ana1").exists()

    again = client.post(reverse("imports:list"), {"file": upload(content)})
    second = ImportBatch.objects.exclude(pk=batch.pk).get()
    assert again["Location"] == reverse("imports:map", args=[second.uuid])
    page = client.get(again["Location"])
    assert "This file was imported on" in page.content.decode()


def test_mapping_errors_name_the_field(login, recruiter, batch):
    response = login(recruiter).post(reverse("imports:map", args=[batch.uuid]), {"email": "E-mail"})
    assert response.status_code == 400
    form = response.context["form"]
    assert "first_name" in form.errors and "profession" in form.errors
    batch.refresh_from_db()
    assert batch.status == ImportStatus.MAPPING


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("tool.exe", b"MZ\x90\x00", "not a spreadsheet"),
        ("picture.png", b"\x89PNG\r\n\x1a\n....", "not a spreadsheet"),
        ("fake.xlsx", b"a,b\n1,2\n", "not an Excel workbook"),
    ],
)
def test_refused_upload_shows_a_message(login, recruiter, name, content, message):
    response = login(recruiter).post(reverse("imports:list"), {"file": upload(content, name)})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not ImportBatch.objects.exists()


def test_upload_over_the_limit_is_refused(login, recruiter, settings):
    settings.MAX_IMPORT_BYTES = 50
    response = login(recruiter).post(
        reverse("imports:list"), {"file": upload(csv_bytes([person(1)]))}
    )
    assert response.status_code == 400
    assert "the limit for imports is 50 bytes" in response.content.decode()


def test_large_import_runs_in_the_background_with_progress(
    transactional_db, login, recruiter, settings, run_tasks
):
    # transactional_db: the worker commits, and it closes a connection left in a transaction.
    settings.IMPORT_INLINE_MAX_ROWS = 2
    client = login(recruiter)
    content = csv_bytes([person(i) for i in range(1, 6)])
    client.post(reverse("imports:list"), {"file": upload(content)})
    batch = ImportBatch.objects.get()
    client.post(reverse("imports:map", args=[batch.uuid]), batch.mapping)
    batch.refresh_from_db()
    assert batch.status == ImportStatus.QUEUED
    page = client.get(reverse("imports:detail", args=[batch.uuid]))
    assert 'hx-trigger="every 1s"' in page.content.decode()
    poll = client.get(reverse("imports:progress", args=[batch.uuid]))
    assert poll.status_code == 200 and "HX-Refresh" not in poll

    run_tasks()
    batch.refresh_from_db()
    assert (batch.status, batch.created_count) == (ImportStatus.COMPLETED, 5)
    poll = client.get(reverse("imports:progress", args=[batch.uuid]))
    assert poll["HX-Refresh"] == "true"
    assert Candidate.objects.count() == 5


def test_report_csv_neutralizes_formulas_and_is_audited(login, recruiter, batch):
    actions.do_start_import(batch, batch.mapping, actor=recruiter)
    from rounds.imports.tasks import run_import

    run_import(batch.pk)
    response = login(recruiter).get(reverse("imports:issues_csv", args=[batch.uuid]))
    body = b"".join(response.streaming_content).decode()
    assert "'=cmd|calc" in body and "\n3," in body.replace("\r\n", "\n")
    assert AuditEvent.objects.filter(action="download", object_type="importbatch").exists()


def test_failed_import_can_be_resumed(transactional_db, login, recruiter, batch, run_tasks):
    actions.do_start_import(batch, batch.mapping, actor=recruiter)
    ImportBatch.objects.filter(pk=batch.pk).update(status=ImportStatus.FAILED,
                                                   error_message="Stopped: boom")
    client = login(recruiter)
    page = client.get(reverse("imports:detail", args=[batch.uuid]))
    assert "Stopped: boom" in page.content.decode()
    client.post(reverse("imports:resume", args=[batch.uuid]))
    run_tasks()
    batch.refresh_from_db()
    assert batch.status == ImportStatus.COMPLETED and batch.created_count == 2
    assert batch.warning_count == 1  # the email "=cmd|calc": imported without it


def test_history_page_query_count_is_bounded(login, org, recruiter, django_assert_max_num_queries):
    for i in range(6):
        actions.do_create_batch(org.pk, upload(csv_bytes([person(i)]), f"f{i}.csv"),
                                actor=recruiter)
    client = login(recruiter)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("imports:list"))
    assert response.content.decode().count("f5.csv") == 1


@pytest.mark.parametrize("role", ["read_only", "hiring_manager"])
def test_roles_that_cannot_import_get_403(request, login, batch, role):
    client = login(request.getfixturevalue(role))
    assert client.get(reverse("imports:list")).status_code == 403
    assert client.post(reverse("imports:list"), {"file": upload(b"a,b\n1,2\n")}).status_code == 403
    for name in ("imports:map", "imports:detail", "imports:progress", "imports:issues_csv"):
        assert client.get(reverse(name, args=[batch.uuid])).status_code == 403
    assert client.post(reverse("imports:resume", args=[batch.uuid])).status_code == 403


def test_outsider_gets_404_for_every_batch_route(login, outsider, batch):
    client = login(outsider)
    for name in ("imports:map", "imports:detail", "imports:progress", "imports:issues_csv"):
        assert client.get(reverse(name, args=[batch.uuid])).status_code == 404
    assert client.post(reverse("imports:map", args=[batch.uuid]), batch.mapping).status_code == 404
    assert client.post(reverse("imports:resume", args=[batch.uuid])).status_code == 404
    assert batch.original_name not in client.get(reverse("imports:list")).content.decode()
