"""File storage behind one small interface: local disk by default, S3 when S3_BUCKET is set.

Keys always begin with the owning store's id, so one store's files never share a prefix with another's.
The second part of a key is its folder: product pictures and logos are public, but transfer receipts and
CSV files (PRIVATE_FOLDERS) are handed out only through short-lived signed links, never through the CDN.
"""
import mimetypes
from pathlib import Path

from flask import current_app, g, url_for
from werkzeug.security import safe_join


# Files no shopper may fetch by address: bank-transfer receipts, catalog and order CSVs.
PRIVATE_FOLDERS = frozenset({"proofs", "imports", "exports"})
PRIVATE_LINK_SECONDS = 15 * 60


def is_private(key: str) -> bool:
    parts = key.split("/", 2)
    return len(parts) > 1 and parts[1] in PRIVATE_FOLDERS


class Storage:
    def save(self, key: str, data: bytes, content_type: str) -> None:
        raise NotImplementedError

    def read(self, key: str) -> bytes:
        raise NotImplementedError

    def delete(self, key: str) -> None:
        raise NotImplementedError

    def url(self, key: str) -> str:
        raise NotImplementedError


class LocalStorage(Storage):
    def __init__(self, root: str):
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        joined = safe_join(str(self.root), key)
        if joined is None:
            raise ValueError(f"bad storage key {key!r}")
        return Path(joined)

    def save(self, key, data, content_type):
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)

    def read(self, key):
        return self._path(key).read_bytes()

    def exists(self, key) -> bool:
        return self._path(key).is_file()

    def delete(self, key):
        self._path(key).unlink(missing_ok=True)

    def url(self, key):
        endpoint = "store_media.file" if g.get("site") == "store" else "media.file"
        return url_for(endpoint, key=key)


class S3Storage(Storage):
    def __init__(self, bucket: str, region: str, endpoint_url: str | None = None, public_url: str | None = None):
        import boto3

        self.bucket = bucket
        self.public_url = public_url.rstrip("/") if public_url else None
        self.client = boto3.client("s3", region_name=region, endpoint_url=endpoint_url)

    def save(self, key, data, content_type):
        self.client.put_object(
            Bucket=self.bucket,
            Key=key,
            Body=data,
            ContentType=content_type,
            CacheControl="private, no-store" if is_private(key) else "public, max-age=31536000, immutable",
        )

    def read(self, key):
        return self.client.get_object(Bucket=self.bucket, Key=key)["Body"].read()

    def delete(self, key):
        self.client.delete_object(Bucket=self.bucket, Key=key)

    def url(self, key):
        if is_private(key):  # never through the public CDN address, and only for a quarter of an hour
            return self.client.generate_presigned_url(
                "get_object", Params={"Bucket": self.bucket, "Key": key}, ExpiresIn=PRIVATE_LINK_SECONDS)
        if self.public_url:
            return f"{self.public_url}/{key}"
        return self.client.generate_presigned_url(
            "get_object", Params={"Bucket": self.bucket, "Key": key}, ExpiresIn=7 * 24 * 3600
        )


def storage() -> Storage:
    """The app's storage backend, made once per app."""
    backend = current_app.extensions.get("etalase_storage")
    if backend is None:
        config = current_app.config
        if config["S3_BUCKET"]:
            backend = S3Storage(config["S3_BUCKET"], config["S3_REGION"], config["S3_ENDPOINT_URL"], config["S3_PUBLIC_URL"])
        else:
            backend = LocalStorage(config["MEDIA_DIR"])
        current_app.extensions["etalase_storage"] = backend
    return backend


def content_type_for(key: str) -> str:
    return mimetypes.guess_type(key)[0] or "application/octet-stream"
