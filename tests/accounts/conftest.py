"""Clients here speak English, so tests can assert on the English messages (the default language is id)."""
import pytest


@pytest.fixture
def client(app):
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client
