from django.shortcuts import render

from rounds.lib.permissions import admin_required


@admin_required
def settings_home(request):
    return render(request, "accounts/settings.html", {"nav": "settings"})
