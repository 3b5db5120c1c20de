import pytest

from tests.support.pricelists import shop1_document


@pytest.fixture
def document() -> dict:
    return shop1_document()
