"""Image uploads: checked by content and size, re-encoded into widths, stored under the tenant id."""
import io
from pathlib import Path

import pytest
from PIL import Image
from werkzeug.datastructures import FileStorage

from saas.storage import storage
from saas.storage.images import ImageRejected, media_url, read_upload, store_image
from tests.storage.conftest import image_bytes


def _open(key) -> Image.Image:
    return Image.open(io.BytesIO(storage().read(key)))


def test_a_photo_is_re_encoded_into_each_width_as_webp_and_jpeg(ctx, owner_and_store):
    """Widths wider than the original become the original width: an image is never enlarged."""
    _, store = owner_and_store
    with ctx(store.id):
        media = store_image(store.id, image_bytes((1200, 600)), "logo", (320, 640, 2400), "foto toko.jpg")
        assert (media.width, media.height, media.original_name, media.tenant_id) == (1200, 600, "foto toko.jpg", store.id)
        assert set(media.renditions) == {"webp", "jpg"}
        for ext, fmt in (("webp", "WEBP"), ("jpg", "JPEG")):
            assert set(media.renditions[ext]) == {"320", "640", "1200"}
            for width, key in media.renditions[ext].items():
                assert key.startswith(f"{store.id}/logo/") and key.endswith(f"-{width}.{ext}")
                with _open(key) as image:
                    assert image.format == fmt
                    assert image.size == (int(width), int(width) // 2)


def test_a_small_image_is_not_upscaled(ctx, owner_and_store):
    """Every requested width above 100 px collapses to one 100 px rendition per format."""
    _, store = owner_and_store
    with ctx(store.id):
        media = store_image(store.id, image_bytes((100, 50)), "logo", (160, 320, 640))
        assert media.renditions["webp"].keys() == {"100"} and media.renditions["jpg"].keys() == {"100"}
        with _open(media.renditions["jpg"]["100"]) as image:
            assert image.size == (100, 50)


def _palette_png(transparent: bool) -> bytes:
    image = Image.new("P", (400, 200), 0)
    image.putpalette([0, 128, 0, 255, 0, 0])
    buffer = io.BytesIO()
    image.save(buffer, "PNG", **({"transparency": 0} if transparent else {}))
    return buffer.getvalue()


TRANSPARENT = {
    "rgba": image_bytes((400, 200), mode="RGBA", fmt="PNG", color=(0, 128, 0, 0)),
    "grey with alpha": image_bytes((400, 200), mode="LA", fmt="PNG", color=(80, 0)),
    "palette with tRNS": _palette_png(transparent=True),
    "rgb with tRNS colour key": image_bytes((400, 200), fmt="PNG", color=(0, 0, 0), transparency=(0, 0, 0)),
}


@pytest.mark.parametrize("kind", TRANSPARENT)
def test_an_image_with_transparency_keeps_it_as_png(ctx, owner_and_store, kind):
    """A transparent logo becomes WebP and PNG (not JPEG), and the transparency survives."""
    _, store = owner_and_store
    with ctx(store.id):
        media = store_image(store.id, TRANSPARENT[kind], "logo", (160,))
        assert set(media.renditions) == {"webp", "png"}
        for ext, fmt in (("png", "PNG"), ("webp", "WEBP")):
            with _open(media.renditions[ext]["160"]) as image:
                assert image.format == fmt
                assert image.convert("RGBA").getpixel((5, 5))[3] == 0


@pytest.mark.parametrize("data", [_palette_png(transparent=False), image_bytes((300, 300), mode="P", fmt="GIF")],
                         ids=["palette png", "gif"])
def test_an_opaque_palette_image_is_a_jpeg_not_a_png(ctx, owner_and_store, data):
    """A palette image with no transparency has no alpha to keep: it gets WebP and JPEG like a photo."""
    _, store = owner_and_store
    with ctx(store.id):
        media = store_image(store.id, data, "logo", (160,))
        assert set(media.renditions) == {"webp", "jpg"}


def test_exif_rotation_is_applied(ctx, owner_and_store):
    """A phone photo taken upright (EXIF orientation 6) is stored upright."""
    _, store = owner_and_store
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise to display
    data = image_bytes((400, 200), exif=exif.tobytes())
    with ctx(store.id):
        media = store_image(store.id, data, "logo", (1000,))
        assert (media.width, media.height) == (200, 400)
        with _open(media.renditions["jpg"]["200"]) as image:
            assert image.size == (200, 400)


def test_media_url_picks_the_closest_rendition(app, ctx, owner_and_store):
    """The smallest rendition at least as wide as asked for, else the largest."""
    _, store = owner_and_store
    with app.test_request_context(base_url="http://localhost"), ctx(store.id):
        media = store_image(store.id, image_bytes((1000, 500)), "logo", (160, 320, 640))
        assert media_url(media, 200).endswith("-320.webp")
        assert media_url(media, 160, "jpg").endswith("-160.jpg")
        assert media_url(media, 5000).endswith("-640.webp")
        assert media_url(None, 100) is None


def _truncated_jpeg() -> bytes:
    # Noise compresses badly, so half the file is missing real image data, not just padding.
    import os

    noisy = Image.frombytes("RGB", (600, 600), os.urandom(600 * 600 * 3))
    buffer = io.BytesIO()
    noisy.save(buffer, "JPEG")
    data = buffer.getvalue()
    return data[: len(data) // 2]


def _huge_png() -> bytes:
    # 8000 x 6000 is 48 megapixels, over the 40 MP limit, yet a small file.
    buffer = io.BytesIO()
    Image.new("1", (8000, 6000)).save(buffer, "PNG")
    return buffer.getvalue()


@pytest.mark.parametrize("name,data", [
    ("not an image", b"hello, this is plainly text\n" * 10),
    ("text renamed .png", b"<?php echo 'hi'; ?>\n"),
    ("truncated jpeg", _truncated_jpeg()),
    ("png header only", image_bytes((50, 50), fmt="PNG")[:40]),
    ("bmp", image_bytes((50, 50), fmt="BMP")),
    ("tiff", image_bytes((50, 50), fmt="TIFF")),
    ("svg", b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script></svg>'),
    ("over 40 megapixels", _huge_png()),
])
def test_bad_content_is_refused_and_nothing_is_stored(app, ctx, owner_and_store, name, data):
    """Judged by content, never by the file name; a refusal stores no file."""
    _, store = owner_and_store
    with ctx(store.id), pytest.raises(ImageRejected) as refused:
        store_image(store.id, data, "logo", (160,), original_name="logo.png")
    assert str(refused.value)
    media = Path(app.config["MEDIA_DIR"])
    assert not media.exists() or not any(p.is_file() for p in media.rglob("*"))


def test_uploads_over_the_limit_or_empty_are_refused(app, monkeypatch):
    """read_upload stops at MAX_UPLOAD_BYTES + 1 and says how big is allowed."""
    monkeypatch.setitem(app.config, "MAX_UPLOAD_BYTES", 2 * 1024 * 1024)
    # English, so the messages can be matched (the default language is Indonesian).
    with app.test_request_context(headers={"Accept-Language": "en"}):
        exact = FileStorage(io.BytesIO(b"x" * (2 * 1024 * 1024)), "ok.jpg")
        assert len(read_upload(exact)) == 2 * 1024 * 1024
        with pytest.raises(ImageRejected, match="2 MB"):
            read_upload(FileStorage(io.BytesIO(b"x" * (2 * 1024 * 1024 + 1)), "big.jpg"))
        with pytest.raises(ImageRejected, match="empty"):
            read_upload(FileStorage(io.BytesIO(b""), "empty.jpg"))


def test_the_builder_refuses_a_text_file_named_png(app, client, login, ctx, owner_and_store):
    """Over HTTP: the settings form shows the refusal beside the logo and saves nothing."""
    from saas.tenants.models import Tenant
    from tests.storage.conftest import settings_form

    owner, store = owner_and_store
    login(client, owner)
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    data = settings_form(store, name="Renamed", logo=(io.BytesIO(b"just text, honestly"), "logo.png"))
    response = client.post(f"/stores/{store.slug}/settings", data=data, content_type="multipart/form-data")
    assert response.status_code == 200
    assert "not an image we can read" in response.get_data(as_text=True)
    with ctx(store.id) as session:
        tenant = session.get(Tenant, store.id)
        assert (tenant.name, tenant.logo_media_id) == ("Toko Batik Sari", None)
