"""Documents: only real documents within the size limit, downloaded only through the app."""

import hashlib
import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from rounds.audit.choices import AuditAction
from rounds.audit.models import AuditEvent
from rounds.candidates import actions
from rounds.candidates.models import Attachment
from rounds.lib.uploads import DOCX, ODT, PDF, PNG, TXT, check_document, human_size


def docx_bytes():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
    return buf.getvalue()


def odt_bytes():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("mimetype", ODT)
        z.writestr("content.xml", "<office:document-content/>")
    return buf.getvalue()


@pytest.mark.parametrize("name,content,expected", [
    ("cv.pdf", b"%PDF-1.7\n...", PDF),
    ("cv.docx", docx_bytes(), DOCX),
    ("cv.odt", odt_bytes(), ODT),
    ("cv.txt", "Dr. Zoë Lévesque — CV".encode(), TXT),
    ("licence.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 20, PNG),
])
def test_documents_are_recognised_by_content(name, content, expected):
    assert check_document(SimpleUploadedFile(name, content)) == expected


@pytest.mark.parametrize("name,content,phrase", [
    ("cv.pdf", b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 50, "not a document"),
    ("setup.exe", b"MZ\x90\x00", "not a document we accept (.exe)"),
    ("cv.pdf", b"\x89PNG\r\n\x1a\n" + b"\x00" * 20, "named .pdf but its content is PNG"),
    ("archive.docx", b"PK\x03\x04not really a zip", "not a document"),
    ("cv.pdf", b"", "is empty"),
])
def test_non_documents_are_refused_with_a_message(name, content, phrase):
    with pytest.raises(ValidationError) as exc:
        check_document(SimpleUploadedFile(name, content))
    assert phrase in exc.value.messages[0]


def test_over_the_limit_says_the_size_and_the_limit(settings):
    settings.MAX_UPLOAD_BYTES = 10 * 1024 * 1024
    big = SimpleUploadedFile("cv.pdf", b"%PDF-" + b"0" * int(12.3 * 1024 * 1024))
    with pytest.raises(ValidationError) as exc:
        check_document(big)
    assert exc.value.messages == ["cv.pdf is 12.3 MB; the limit is 10 MB."]
    assert human_size(840 * 1024) == "840 KB"


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def upload_url(candidate):
    return reverse("candidates:attachment_upload", kwargs={"uuid": candidate.uuid})


@pytest.mark.django_db
def test_upload_stores_sha256_and_download_is_audited_attachment(login, recruiter, candidate,
                                                                  media):
    client = login(recruiter)
    content = b"%PDF-1.4 Amara Okafor CV"
    response = client.post(upload_url(candidate), {
        "attachment-kind": "cv", "attachment-file": SimpleUploadedFile("Okafor CV.pdf", content)})
    assert response.status_code == 302
    att = Attachment.objects.get(candidate=candidate)
    assert att.sha256 == hashlib.sha256(content).hexdigest()
    assert att.content_type == "application/pdf" and att.size == len(content)
    url = reverse("candidates:attachment_download",
                  kwargs={"uuid": candidate.uuid, "pk": att.pk})
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert "Okafor CV.pdf" in response["Content-Disposition"]
    assert b"".join(response.streaming_content) == content
    assert AuditEvent.objects.filter(candidate=candidate, action=AuditAction.DOWNLOAD).exists()
    detail = client.get(reverse("candidates:detail", kwargs={"uuid": candidate.uuid}))
    assert "Okafor CV.pdf" in detail.content.decode()
    assert "/media/" not in detail.content.decode()


@pytest.mark.django_db
def test_web_upload_refuses_renamed_program_and_oversize_with_message(login, recruiter,
                                                                      candidate, media,
                                                                      settings):
    client = login(recruiter)
    response = client.post(upload_url(candidate), {
        "attachment-kind": "cv",
        "attachment-file": SimpleUploadedFile("cv.pdf", b"MZ\x90\x00" + b"\x00" * 100)},
        HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "cv.pdf is not a document" in response.content.decode()
    settings.MAX_UPLOAD_BYTES = 1024
    response = client.post(upload_url(candidate), {
        "attachment-kind": "cv",
        "attachment-file": SimpleUploadedFile("big.pdf", b"%PDF-" + b"0" * 3000)})
    assert response.status_code == 400
    assert "big.pdf is 2.9 KB; the limit is 1 KB." in response.content.decode()
    assert not Attachment.objects.exists()


@pytest.mark.django_db
def test_download_is_access_checked(login, recruiter, outsider, read_only, hiring_manager,
                                    candidate, media, org):
    att = actions.do_add_attachment(candidate, SimpleUploadedFile("cv.pdf", b"%PDF-1.4"),
                                    actor=recruiter)
    url = reverse("candidates:attachment_download", kwargs={"uuid": candidate.uuid, "pk": att.pk})
    assert login(outsider).get(url).status_code == 404
    assert login(hiring_manager).get(url).status_code == 404  # not in their jobs
    assert login(read_only).get(url).status_code == 200
    other = actions.do_create_candidate(org.pk, actor=recruiter, first_name="O", last_name="P",
                                        profession="physician")
    wrong = reverse("candidates:attachment_download", kwargs={"uuid": other.uuid, "pk": att.pk})
    assert login(recruiter).get(wrong).status_code == 404


@pytest.mark.django_db
def test_upload_and_delete_roles(login, read_only, outsider, recruiter, candidate, media):
    file = {"attachment-kind": "cv", "attachment-file": SimpleUploadedFile("a.pdf", b"%PDF-1")}
    assert login(read_only).post(upload_url(candidate), file).status_code == 403
    file["attachment-file"] = SimpleUploadedFile("a.pdf", b"%PDF-1")
    assert login(outsider).post(upload_url(candidate), file).status_code == 404
    att = actions.do_add_attachment(candidate, SimpleUploadedFile("cv.pdf", b"%PDF-1.4"),
                                    actor=recruiter)
    delete = reverse("candidates:related_delete",
                     kwargs={"uuid": candidate.uuid, "section": "attachment", "pk": att.pk})
    assert login(read_only).post(delete).status_code == 403
    assert login(outsider).post(delete).status_code == 404
    assert login(recruiter).post(delete).status_code == 302
    assert not Attachment.objects.exists()
