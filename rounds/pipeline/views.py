from django.shortcuts import render

from rounds.lib.permissions import member_required


@member_required
def today(request):
    return render(request, "pipeline/today.html", {"nav": "today"})
