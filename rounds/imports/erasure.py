"""What imports remove when a candidate is erased (registered in apps.py): report rows about
them (the row's cells are kept with the issue) and the uploaded files of finished imports of
the organization, which may hold their row. A file is needed only until its import completes;
a file still being imported is kept (and says so in docs/architecture.md)."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Q, TextField
from django.db.models.functions import Cast

from .choices import ImportStatus
from .models import ImportBatch, ImportRowIssue


def _issues(subject):
    condition = Q(candidate_id__in=subject.ids)
    words = [a for a in subject.addresses if len(a) >= 6]
    issues = ImportRowIssue.objects.filter(organization_id=subject.organization_id)
    if words:
        text = Q()
        for word in words:
            text |= Q(data_text__icontains=word) | Q(message__icontains=word)
        return issues.annotate(data_text=Cast("data", TextField())).filter(condition | text)
    return issues.filter(condition)


def count(subject) -> int:
    return _issues(subject).count()


def erase(subject) -> int:
    ids = list(_issues(subject).values_list("pk", flat=True))
    ImportRowIssue.objects.filter(pk__in=ids).delete()
    done = ImportBatch.objects.filter(organization_id=subject.organization_id,
                                      status=ImportStatus.COMPLETED).exclude(file="")
    files = list(done.values_list("file", flat=True))
    if files:
        done.update(file="")
        storage = ImportBatch._meta.get_field("file").storage
        transaction.on_commit(lambda: [storage.delete(f) for f in files if f])
    return len(ids)
