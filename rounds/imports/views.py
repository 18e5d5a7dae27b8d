from django.http import HttpResponse

from rounds.lib.permissions import editor_required


@editor_required
def import_list(request):
    return HttpResponse("")
