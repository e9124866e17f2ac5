"""S3Storage against moto's S3 server on loopback, driven through the builder's settings page."""
import io
import re
import urllib.request

import pytest
from PIL import Image

from saas.storage import S3Storage
from tests.storage.conftest import image_bytes, settings_form

BUCKET = "etalase-media-test"


@pytest.fixture
def s3_endpoint(monkeypatch):
    """moto's S3 over real HTTP on 127.0.0.1, with dummy credentials; yields the endpoint URL."""
    from moto.server import ThreadedMotoServer

    for name, value in (("AWS_ACCESS_KEY_ID", "testing"), ("AWS_SECRET_ACCESS_KEY", "testing"),
                        ("AWS_SESSION_TOKEN", "testing"), ("AWS_DEFAULT_REGION", "ap-southeast-1")):
        monkeypatch.setenv(name, value)
    # No proxy may sit between the test and loopback, and no shared config file may change the client.
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    # moto keeps its buckets in this process across servers: start each test from an empty S3.
    urllib.request.urlopen(urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST"), timeout=10).close()
    try:
        yield endpoint
    finally:
        server.stop()
        server._server.server_close()  # stop() leaves the listening socket open (a ResourceWarning)


@pytest.fixture
def s3_app(app, s3_endpoint, monkeypatch):
    """The app switched to S3 for this test; its storage backend is rebuilt from the new settings."""
    import boto3

    client = boto3.client("s3", region_name="ap-southeast-1", endpoint_url=s3_endpoint)
    client.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "ap-southeast-1"})
    monkeypatch.setitem(app.config, "S3_BUCKET", BUCKET)
    monkeypatch.setitem(app.config, "S3_ENDPOINT_URL", s3_endpoint)
    monkeypatch.setitem(app.config, "S3_REGION", "ap-southeast-1")
    monkeypatch.setitem(app.config, "S3_PUBLIC_URL", None)
    app.extensions.pop("etalase_storage", None)
    app.s3 = client
    yield app
    app.extensions.pop("etalase_storage", None)
    del app.s3


def test_a_logo_uploaded_in_the_builder_lands_in_the_bucket(s3_app, client, login, owner_and_store):
    """Over HTTP end to end: the upload is re-encoded into S3 under the tenant id, and its URL serves it."""
    owner, store = owner_and_store
    login(client, owner)
    upload = image_bytes((900, 300), color=(10, 120, 200))
    data = settings_form(store, logo=(io.BytesIO(upload), "logo.jpg"))
    response = client.post(f"/stores/{store.slug}/settings", data=data, content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]

    listing = s3_app.s3.list_objects_v2(Bucket=BUCKET)
    keys = sorted(item["Key"] for item in listing.get("Contents", []))
    # Three logo widths (160, 320, 640), each as WebP and JPEG.
    assert len(keys) == 6, keys
    assert all(key.startswith(f"{store.id}/logo/") for key in keys)
    assert {key.rsplit(".", 1)[1] for key in keys} == {"webp", "jpg"}

    [jpeg_640] = [key for key in keys if key.endswith("-640.jpg")]
    stored = s3_app.s3.get_object(Bucket=BUCKET, Key=jpeg_640)
    assert stored["ContentType"] == "image/jpeg"
    assert "immutable" in stored["CacheControl"]
    with Image.open(io.BytesIO(stored["Body"].read())) as image:
        assert (image.format, image.size) == ("JPEG", (640, 213))
        assert image.getpixel((320, 100)) == pytest.approx((10, 120, 200), abs=8)

    # The settings page shows the logo from the bucket (a presigned URL), and that URL really serves it.
    page = client.get(f"/stores/{store.slug}/settings").get_data(as_text=True)
    src = re.search(r'class="logo-preview" src="([^"]+)"', page).group(1).replace("&amp;", "&")
    assert src.startswith(f"{s3_app.config['S3_ENDPOINT_URL']}/{BUCKET}/{store.id}/logo/")
    with urllib.request.urlopen(src, timeout=10) as served:
        assert served.read()[8:12] == b"WEBP"


def test_s3_storage_save_read_delete_and_public_url(s3_app):
    """The backend's own operations against the bucket, and a CDN URL when S3_PUBLIC_URL is set."""
    from botocore.exceptions import ClientError

    backend = S3Storage(BUCKET, "ap-southeast-1", s3_app.config["S3_ENDPOINT_URL"], "https://cdn.example.com/media/")
    backend.save("12/logo/x-160.webp", b"RIFF....WEBP", "image/webp")
    assert backend.read("12/logo/x-160.webp") == b"RIFF....WEBP"
    assert backend.url("12/logo/x-160.webp") == "https://cdn.example.com/media/12/logo/x-160.webp"
    backend.delete("12/logo/x-160.webp")
    with pytest.raises(ClientError):
        backend.read("12/logo/x-160.webp")


def test_transfer_receipts_and_csvs_get_short_signed_links_never_the_cdn(s3_app):
    """A receipt shows a shopper's bank details: even with a public CDN it is only reachable through a link
    signed for a quarter of an hour, and it is stored without public caching."""
    backend = S3Storage(BUCKET, "ap-southeast-1", s3_app.config["S3_ENDPOINT_URL"], "https://cdn.example.com/media/")
    for key in ("12/proofs/77-1600.jpg", "12/exports/orders.csv", "12/imports/produk.csv"):
        backend.save(key, b"secret", "image/jpeg")
        url = backend.url(key)
        assert not url.startswith("https://cdn.example.com") and "Signature" in url
        assert re.search(r"Expires=\d+|X-Amz-Expires=900", url)
        with urllib.request.urlopen(url, timeout=10) as answer:  # the signed link works
            assert answer.read() == b"secret"
        assert s3_app.s3.head_object(Bucket=BUCKET, Key=key)["CacheControl"] == "private, no-store"
    backend.save("12/products/5-480.webp", b"RIFF", "image/webp")
    assert backend.url("12/products/5-480.webp") == "https://cdn.example.com/media/12/products/5-480.webp"
    assert s3_app.s3.head_object(Bucket=BUCKET, Key="12/products/5-480.webp")["CacheControl"].startswith("public")
