import pytest


@pytest.fixture
def client():
    with client_for_app(shop, follow_redirects=False, secure_cookies_over_http=True) as client:
        yield client
