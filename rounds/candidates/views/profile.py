from django.http import HttpResponse

from rounds.lib.permissions import editor_required, member_required


@editor_required
def candidate_create(request):
    return HttpResponse("")


@member_required
def candidate_detail(request, uuid):
    return HttpResponse("")


@editor_required
def candidate_edit(request, uuid):
    return HttpResponse("")


@editor_required
def related_add(request, uuid, section):
    return HttpResponse("")


@editor_required
def related_delete(request, uuid, section, pk):
    return HttpResponse("")


@editor_required
def consent_add(request, uuid):
    return HttpResponse("")


@editor_required
def attachment_upload(request, uuid):
    return HttpResponse("")


@member_required
def attachment_download(request, uuid, pk):
    return HttpResponse("")
