from django.http import HttpResponse

from rounds.lib.permissions import editor_required


@editor_required
def duplicate_list(request):
    return HttpResponse("")


@editor_required
def duplicate_dismiss(request):
    return HttpResponse("")


@editor_required
def merge(request, survivor, other):
    return HttpResponse("")
