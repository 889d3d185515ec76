# conftest.py
import pytest

from myapp.routes import router


@pytest.fixture
def dualweb_router():
    return router
