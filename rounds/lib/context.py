from rounds.lib.permissions import can_admin, can_edit, can_work_pipeline


def roles(request):
    """What the signed-in user's role allows, for templates to show or hide controls."""
    user = request.user
    return {
        "can_edit": can_edit(user),
        "can_work_pipeline": can_work_pipeline(user),
        "can_admin": can_admin(user),
    }
