from django.contrib.auth.backends import ModelBackend

from .models import User


class EmailBackend(ModelBackend):
    """Sign in with an email address, in any letter case."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if not username or not password:
            return None
        user = User.objects.filter(email__iexact=username.strip()).first()
        if user is None:
            User().set_password(password)  # same time as a real check: no account probing
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
