from django.http import HttpResponse

from rounds.lib.permissions import editor_required, member_required


@member_required
def candidate_list(request):
    return HttpResponse("")


@editor_required
def candidate_export(request):
    return HttpResponse("")
