from django.http import HttpResponse

from rounds.lib.permissions import member_required


@member_required
def job_list(request):
    return HttpResponse("")
