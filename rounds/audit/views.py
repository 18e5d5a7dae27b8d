from django.http import HttpResponse

from rounds.lib.permissions import admin_required


@admin_required
def audit_list(request):
    return HttpResponse("")
