import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _fresh_login_throttle():
    """Failed sign-ins are counted in the cache; every test starts from zero."""
    cache.clear()
    yield
    cache.clear()
