"""What an import may hold, checked while streaming: a file's declared XLSX dimension is not
trusted, a row too wide, a CSV line too long or a row after Excel's last is refused with a
message after reading what proves it, and the rows of a long file are counted by the worker,
not the upload request (which reads the first ones only). The assertions are on the work done
(cells converted, rows read), never on the clock."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from rounds.candidates.models import Candidate
from rounds.imports import actions, parsing, tasks
from rounds.imports.choices import ImportStatus
from rounds.imports.models import ImportBatch

from . import bombs
from .conftest import csv_bytes, person

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_upload(content: bytes, name="people.xlsx"):
    return SimpleUploadedFile(name, content, content_type=XLSX)


def csv_upload(content: bytes, name="people.csv"):
    return SimpleUploadedFile(name, content, content_type="text/csv")


@pytest.fixture
def cells_converted(monkeypatch):
    """How many XLSX cells were read into text."""
    seen = {"n": 0}
    real = parsing.cell_text

    def counting(value):
        seen["n"] += 1
        return real(value)

    monkeypatch.setattr(parsing, "cell_text", counting)
    return seen


def upload_page(client, content: bytes, name: str):
    upload = (xlsx_upload if name.endswith(".xlsx") else csv_upload)(content, name)
    return client.post(reverse("imports:list"), {"file": upload})


def test_a_declared_dimension_is_not_trusted(login, recruiter, cells_converted):
    content = bombs.dimension_bomb()
    assert len(content) < 8000
    response = upload_page(login(recruiter), content, "bomb.xlsx")
    assert response.status_code == 302
    batch = ImportBatch.objects.get()
    assert batch.headers == ["First Name", "Last Name", "Profession"]
    assert batch.total_rows == 2
    assert cells_converted["n"] <= 9  # the cells there are, not 17 billion


def test_a_row_reaching_column_xfd_is_refused_with_a_message(login, recruiter, cells_converted):
    response = upload_page(login(recruiter), bombs.wide_row_bomb(), "wide.xlsx")
    assert response.status_code == 400
    html = response.content.decode()
    assert "Line 2 has 16,384 columns (up to column XFD); at most 400 columns can be imported" \
        in html
    assert not ImportBatch.objects.exists()
    assert cells_converted["n"] <= 3  # the header, then the wide row was refused unread


def test_a_row_after_excels_last_is_refused(org, recruiter, cells_converted):
    with pytest.raises(Exception) as caught:
        actions.check_upload(xlsx_upload(bombs.beyond_last_row()))
    assert "rows after line 1,048,576" in str(caught.value)
    assert cells_converted["n"] <= 6  # the blank lines in between were not read into cells


def test_the_column_limit_follows_the_setting(settings, org, recruiter):
    settings.IMPORT_MAX_COLUMNS = 2
    with pytest.raises(Exception) as caught:
        actions.check_upload(xlsx_upload(bombs.dimension_bomb()))
    assert "The first line has 3 columns (up to column C); at most 2 columns" in str(caught.value)


def test_a_csv_header_with_absurd_columns_is_refused(login, recruiter):
    content = ",".join(f"c{i}" for i in range(5000)).encode() + b"\nAna,Silva\n"
    response = upload_page(login(recruiter), content, "wide.csv")
    assert response.status_code == 400
    assert "The first line has 5,000 columns" in response.content.decode()


def test_a_csv_row_with_absurd_columns_is_refused(org, recruiter):
    content = csv_bytes([person(1)]) + b"Ana" + b"," * 10_000 + b"\n"
    with pytest.raises(Exception) as caught:
        actions.check_upload(csv_upload(content))
    assert "Line 3 has 10,001 columns" in str(caught.value)


def test_a_csv_line_too_long_is_refused(settings, org, recruiter):
    settings.IMPORT_MAX_LINE_CHARS = 10_000
    content = csv_bytes([person(1)]) + b"x" * 200_000  # one line, no newline, no separator
    with pytest.raises(Exception) as caught:
        actions.check_upload(csv_upload(content))
    assert "Line 3 is longer than 10,000 characters" in str(caught.value)


def test_lines_are_read_in_bounded_pieces():
    text = io.StringIO("a,b\n" + "x" * 50 + "\n")
    lines = parsing._limited_lines(text, 10)
    assert next(lines) == "a,b\n"
    with pytest.raises(parsing.TableTooLarge):
        next(lines)
    assert text.tell() == 4 + 11  # the long line was read up to the limit, no further


@pytest.fixture
def small_limits(settings):
    settings.IMPORT_INSPECT_ROWS = 20
    settings.IMPORT_INLINE_MAX_ROWS = 5
    settings.IMPORT_MAX_ROWS = 100


def test_the_upload_reads_the_first_rows_only_and_the_worker_counts(small_limits, org,
                                                                    recruiter):
    content = csv_bytes([person(i) for i in range(1, 61)])
    info = actions.check_upload(csv_upload(content))
    assert info["rows_read"] == parsing.SAMPLE_ROWS == 50
    assert info["total_rows"] == 0  # not counted in the request
    batch = actions.do_create_batch(org.pk, csv_upload(content), actor=recruiter)
    assert batch.total_rows == 0 and not actions.runs_inline(batch)
    actions.do_start_import(batch, batch.mapping, actor=recruiter)
    batch = tasks.run_import(batch.pk)
    assert batch.status == ImportStatus.COMPLETED
    assert batch.total_rows == 60 and batch.created_count == 60


def test_a_file_over_the_row_limit_is_refused_by_the_worker_with_a_message(
    small_limits, login, org, recruiter
):
    content = csv_bytes([person(i) for i in range(1, 151)])
    client = login(recruiter)
    response = upload_page(client, content, "long.csv")
    assert response.status_code == 302  # the request read 50 rows and stopped
    batch = ImportBatch.objects.get()
    actions.do_start_import(batch, batch.mapping, actor=recruiter)
    batch = tasks.run_import(batch.pk)
    assert batch.status == ImportStatus.FAILED
    assert batch.rows_done == 0 and not Candidate.objects.filter(organization=org).exists()
    message = "The file has more than 100 rows; at most 100 can be imported at once."
    assert message in batch.error_message
    page = client.get(reverse("imports:detail", args=[batch.uuid])).content.decode()
    assert message in page


def test_a_file_over_the_row_limit_within_the_rows_read_is_refused_at_upload(
    settings, login, recruiter
):
    settings.IMPORT_MAX_ROWS = 10
    content = csv_bytes([person(i) for i in range(1, 30)])
    response = upload_page(login(recruiter), content, "long.csv")
    assert response.status_code == 400
    assert "more than 10 rows" in response.content.decode()
