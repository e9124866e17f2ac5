"""Image makers and a signed-in store owner for the storage tests."""
import io

import pytest
from PIL import Image


def image_bytes(size=(1200, 600), mode="RGB", fmt="JPEG", color=(200, 60, 30), **save) -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, size, color).save(buffer, fmt, **save)
    return buffer.getvalue()


@pytest.fixture
def owner_and_store(create_user, create_store):
    owner = create_user(email="sari@example.com", name="Sari")
    return owner, create_store(owner=owner, name="Toko Batik Sari", slug="batik-sari")


def settings_form(store, **extra) -> dict:
    """The builder settings form as the browser posts it."""
    return {"name": store.name, "contact_email": "sari@example.com", "contact_phone": "", "address": "",
            "locale": "en", "currency": "IDR", "timezone": "Asia/Jakarta", "low_stock_threshold": "5", **extra}
