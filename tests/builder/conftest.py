"""Clients here speak English, so tests can assert on the English messages (the default language is id)."""
import pytest


@pytest.fixture
def client(app):
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def store_client(store_client):
    """The shared store_client, speaking English like `client` above."""

    def make(tenant):
        client = store_client(tenant)
        client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
        return client

    return make
