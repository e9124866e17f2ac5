"""LocalStorage on disk, and the /media route that serves it only to those allowed to see it."""
import io
import re

import pytest
from flask import g

from saas.storage import LocalStorage, storage
from tests.storage.conftest import image_bytes, settings_form


def test_save_read_delete(tmp_path):
    """Bytes go under the root at the key's path, come back unchanged, and are gone after delete."""
    backend = LocalStorage(str(tmp_path))
    backend.save("7/logo/a-160.webp", b"\x00\x01data", "image/webp")
    assert (tmp_path / "7" / "logo" / "a-160.webp").read_bytes() == b"\x00\x01data"
    assert backend.read("7/logo/a-160.webp") == b"\x00\x01data"
    assert backend.exists("7/logo/a-160.webp")
    backend.delete("7/logo/a-160.webp")
    assert not backend.exists("7/logo/a-160.webp")
    with pytest.raises(FileNotFoundError):
        backend.read("7/logo/a-160.webp")
    backend.delete("7/logo/a-160.webp")  # deleting what is gone is not an error


@pytest.mark.parametrize("key", ["../x", "7/../../x", "/etc/passwd", "7/../../../etc/passwd", ".."])
def test_keys_that_leave_the_root_are_refused(tmp_path, key):
    """No key reads or writes outside the storage root."""
    root = tmp_path / "media"
    backend = LocalStorage(str(root))
    for operation in (lambda: backend.save(key, b"x", "text/plain"), lambda: backend.read(key),
                      lambda: backend.delete(key), lambda: backend.exists(key)):
        with pytest.raises(ValueError):
            operation()
    assert not (tmp_path / "x").exists()
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []


def test_url_on_the_platform_and_on_a_store_host(app, owner_and_store):
    """Platform pages link /media/<key> on the platform host; a storefront links its own host."""
    _, store = owner_and_store
    with app.test_request_context(base_url="http://localhost"):
        backend = storage()
        assert isinstance(backend, LocalStorage)
        assert backend.url(f"{store.id}/logo/a-160.webp") == f"/media/{store.id}/logo/a-160.webp"
    with app.test_request_context(base_url="http://batik-sari.localhost"):
        g.site, g.store_host = "store", "batik-sari.localhost"
        url = storage().url(f"{store.id}/logo/a-160.webp")
        assert url.endswith(f"/media/{store.id}/logo/a-160.webp")
        assert url.startswith(("/", "http://batik-sari.localhost/"))


def _upload_logo(client, store):
    data = settings_form(store, logo=(io.BytesIO(image_bytes((800, 400))), "logo.jpg"))
    response = client.post(f"/stores/{store.slug}/settings", data=data, content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    page = client.get(f"/stores/{store.slug}/settings").get_data(as_text=True)
    return re.search(r'class="logo-preview" src="([^"]+)"', page).group(1)


def test_media_is_served_to_its_store_and_members_only(app, client, login, owner_and_store, create_store, create_user):
    """The owner and the store's own host get the file; strangers and other stores' hosts get 404."""
    owner, store = owner_and_store
    login(client, owner)
    url = _upload_logo(client, store)
    assert url.startswith(f"/media/{store.id}/logo/")

    served = client.get(url)
    assert served.status_code == 200
    assert served.mimetype == "image/webp"
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert served.data[:4] == b"RIFF" and served.data[8:12] == b"WEBP"

    assert app.test_client().get(url).status_code == 404  # anonymous on the platform host
    stranger = app.test_client()
    login(stranger, create_user(email="stranger@example.com"))
    assert stranger.get(url).status_code == 404
    visitor = app.test_client()
    assert visitor.get(url, base_url="http://batik-sari.localhost").status_code == 200
    other = create_store(slug="kopi-budi")
    assert visitor.get(url, base_url=f"http://{other.slug}.localhost").status_code == 404
    # A traversal through the route is a 404 too, not a 500 or a file from elsewhere.
    assert client.get(f"/media/{store.id}/../{store.id}/x").status_code == 404
    assert client.get("/media/..%2F..%2Fetc%2Fpasswd").status_code == 404
