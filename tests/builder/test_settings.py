"""Store settings through HTTP: details, language and region, and the logo upload."""
import io
import os

import pytest
from PIL import Image
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from saas.storage.models import MediaFile
from saas.tenants.models import Tenant
from tests.accounts.pages import error_fields, field_error, images, value

SETTINGS = {
    "name": "Batik Sari Jaya",
    "contact_email": "Halo@BatikSari.example.com",
    "contact_phone": "+62 812 3456 7890",
    "address": "Jl. Malioboro 12\nYogyakarta",
    "locale": "en",
    "currency": "USD",
    "timezone": "Asia/Makassar",
    "low_stock_threshold": "5",
}


def png(width=200, height=100, noise=False) -> bytes:
    if noise:
        image = Image.frombytes("RGB", (width, height), os.urandom(width * height * 3))
    else:
        image = Image.new("RGBA", (width, height), (200, 40, 90, 255))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture
def store(client, create_user, create_store, login):
    owner = create_user()
    tenant = create_store(owner=owner, name="Batik Sari", slug="batik-sari", contact_email="old@example.com")
    login(client, owner)
    return tenant


def save(client, logo=None, **changes):
    data = {**SETTINGS, **changes}
    if logo is not None:
        content, filename = logo
        data["logo"] = FileStorage(content, filename=filename, content_type="image/png")
    # Encoded here, in memory: the test client spools bodies over 500 KB to a temporary file it never closes.
    boundary, body = encode_multipart(data)
    return client.post("/stores/batik-sari/settings", data=body, content_type=f"multipart/form-data; boundary={boundary}")


def stored(ctx, tenant):
    with ctx() as s:
        return s.get(Tenant, tenant.id)


def test_settings_page_shows_the_current_values(client, store):
    """The form opens filled in with the store's settings."""
    response = client.get("/stores/batik-sari/settings")
    assert response.status_code == 200
    assert value(response, "name") == "Batik Sari"
    assert value(response, "contact_email") == "old@example.com"
    assert value(response, "currency") == "IDR"


def test_saving_settings_updates_the_store(client, store, ctx):
    """Every field is saved; the email is lower-cased."""
    response = save(client)
    assert response.status_code == 302
    assert response.headers["Location"] == "/stores/batik-sari/settings"
    tenant = stored(ctx, store)
    assert tenant.name == "Batik Sari Jaya"
    assert tenant.contact_email == "halo@batiksari.example.com"
    assert tenant.contact_phone == "+62 812 3456 7890"
    assert tenant.address == "Jl. Malioboro 12\nYogyakarta"
    assert (tenant.locale, tenant.currency, tenant.timezone) == ("en", "USD", "Asia/Makassar")
    page = client.get("/stores/batik-sari/settings")
    assert "Settings saved." in page.get_data(as_text=True)
    assert value(page, "timezone") == "Asia/Makassar"
    assert value(page, "address").strip() == "Jl. Malioboro 12\nYogyakarta"


def test_phone_and_address_are_optional(client, store, ctx):
    """An empty phone and address are saved as empty."""
    assert save(client, contact_phone="", address="").status_code == 302
    assert stored(ctx, store).contact_phone == ""


@pytest.mark.parametrize(
    ("field", "bad", "message"),
    [
        ("contact_email", "not-an-email", "Enter a valid email address"),
        ("contact_email", "", "This field is required."),
        ("contact_phone", "call me maybe", "Enter a phone number, such as +62 812 3456 7890."),
        ("contact_phone", "12", "Enter a phone number"),
        ("name", "", "This field is required."),
        ("currency", "XXX", "Not a valid choice"),
        ("timezone", "Mars/Olympus", "Not a valid choice"),
        ("locale", "fr", "Not a valid choice"),
    ],
)
def test_bad_values_are_refused_beside_the_field(client, store, ctx, field, bad, message):
    """A bad value gets its message beside its field, the other values are kept, and nothing is saved."""
    response = save(client, **{field: bad})
    assert response.status_code == 200
    assert message in (field_error(response, field) or "")
    assert error_fields(response) == {field}
    for other in ("name", "contact_email", "contact_phone"):
        if other != field:
            assert value(response, other) == SETTINGS[other]
    tenant = stored(ctx, store)
    assert (tenant.name, tenant.contact_email, tenant.currency) == ("Batik Sari", "old@example.com", "IDR")


def test_logo_upload_is_stored_and_shown(client, store, ctx):
    """An uploaded PNG is re-encoded, stored, shown on the settings page and served to the member."""
    response = save(client, logo=(io.BytesIO(png()), "logo.png"))
    assert response.status_code == 302
    tenant = stored(ctx, store)
    assert tenant.logo_media_id is not None
    with ctx(tenant.id) as s:
        media = s.get(MediaFile, (tenant.id, tenant.logo_media_id))
        assert (media.width, media.height, media.purpose) == (200, 100, "logo")
        assert all(key.startswith(f"{tenant.id}/") for sizes in media.renditions.values() for key in sizes.values())

    page = client.get("/stores/batik-sari/settings")
    sources = [src for src in images(page) if src.startswith("/media/")]
    assert len(sources) == 1
    image = client.get(sources[0])
    assert image.status_code == 200
    assert image.mimetype == "image/webp"
    assert Image.open(io.BytesIO(image.data)).size == (200, 100)
    home = client.get("/stores/batik-sari/").get_data(as_text=True)
    assert "checklist__item--done" in home, "the logo ticks the onboarding item"


def test_non_image_upload_is_refused(client, store, ctx):
    """A PDF named logo.png is refused with a clear message beside the logo field; nothing changes."""
    response = save(client, logo=(io.BytesIO(b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\n"), "logo.png"))
    assert response.status_code == 200
    assert "That file is not an image we can read" in field_error(response, "logo")
    assert value(response, "name") == SETTINGS["name"]
    tenant = stored(ctx, store)
    assert tenant.logo_media_id is None
    assert tenant.name == "Batik Sari"
    with ctx(tenant.id) as s:
        assert s.scalar(select(func.count()).select_from(MediaFile)) == 0


def test_empty_upload_is_refused(client, store, ctx):
    """An empty file is refused rather than saved as a broken logo."""
    response = save(client, logo=(io.BytesIO(b""), "logo.png"))
    assert response.status_code == 200
    assert "The file is empty." in field_error(response, "logo")
    assert stored(ctx, store).logo_media_id is None


def test_upload_over_max_upload_bytes_is_refused(app, client, store, ctx, monkeypatch):
    """An image bigger than MAX_UPLOAD_BYTES gets the 'larger than' message and nothing is saved."""
    monkeypatch.setitem(app.config, "MAX_UPLOAD_BYTES", 1024 * 1024)
    data = png(700, 700, noise=True)
    assert len(data) > 1024 * 1024
    response = save(client, logo=(io.BytesIO(data), "logo.png"))
    assert response.status_code == 200
    assert "The file is larger than 1 MB." in field_error(response, "logo")
    tenant = stored(ctx, store)
    assert (tenant.logo_media_id, tenant.name) == (None, "Batik Sari")


def test_request_over_max_content_length_gets_the_413_page(app, client, store, ctx, monkeypatch):
    """A request body over MAX_CONTENT_LENGTH gets the branded 413 page, and nothing is saved."""
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 64 * 1024)
    response = save(client, logo=(io.BytesIO(b"\0" * (128 * 1024)), "logo.png"))
    assert response.status_code == 413
    page = response.get_data(as_text=True)
    assert "That file is too large" in page
    assert "Choose a smaller file and try again." in page
    assert stored(ctx, store).name == "Batik Sari"


def test_settings_need_csrf_token(app, client, store, ctx, monkeypatch):
    """With CSRF on, a settings post without the token is refused and saves nothing."""
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    assert save(client).status_code == 400
    assert stored(ctx, store).name == "Batik Sari"
