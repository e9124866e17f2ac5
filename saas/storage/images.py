"""Image uploads: checked by content (not by name), size-limited, and re-encoded into fixed widths."""
import io
import re
from typing import NamedTuple

from flask import current_app
from flask.globals import _cv_app
from flask_babel import lazy_gettext as _l
from PIL import Image, ImageOps, UnidentifiedImageError

from saas.extensions import db
from saas.ids import new_id
from saas.storage import is_private, storage
from saas.storage.models import MediaFile

ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP", "GIF"}
MAX_PIXELS = 40_000_000


class ImageRejected(ValueError):
    """An upload that is not an acceptable image; str() is a message for the person who sent it."""


def read_upload(file_storage) -> bytes:
    limit = current_app.config["MAX_UPLOAD_BYTES"]
    data = file_storage.read(limit + 1)
    if not data:
        raise ImageRejected(_l("The file is empty."))
    if len(data) > limit:
        raise ImageRejected(_l("The file is larger than %(mb)d MB.", mb=limit // (1024 * 1024)))
    return data


def open_image(data: bytes) -> Image.Image:
    try:
        with Image.open(io.BytesIO(data)) as probe:
            probe.verify()
        image = Image.open(io.BytesIO(data))
        if image.format not in ACCEPTED_FORMATS:
            raise ImageRejected(_l("Upload a JPEG, PNG, WebP or GIF image."))
        if image.width * image.height > MAX_PIXELS:
            raise ImageRejected(_l("The image is too large; keep it under 40 megapixels."))
        image.load()
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError):
        raise ImageRejected(_l("That file is not an image we can read. Upload a JPEG, PNG, WebP or GIF."))
    return ImageOps.exif_transpose(image)


def store_image(tenant_id: int, data: bytes, purpose: str, widths: tuple[int, ...], original_name: str = "") -> MediaFile:
    """Re-encode the image into each width (never enlarged) as WebP and JPEG (PNG if transparent), store them, record a MediaFile."""
    image = open_image(data)
    media = MediaFile(id=new_id(), tenant_id=tenant_id, purpose=purpose, original_name=original_name[:255],
                      width=image.width, height=image.height)
    # Alpha is an alpha band or a tRNS entry (palette, grey or RGB colour key); an opaque palette image
    # (most GIFs) has none and gets the smaller JPEG.
    has_alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
    source = image.convert("RGBA" if has_alpha else "RGB")
    renditions = {}
    for width in sorted(set(min(w, image.width) for w in widths)):
        height = max(1, round(image.height * width / image.width))
        resized = source.resize((width, height), Image.Resampling.LANCZOS)
        for fmt, ext, content_type in (("WEBP", "webp", "image/webp"), ("PNG" if has_alpha else "JPEG", "png" if has_alpha else "jpg", "image/png" if has_alpha else "image/jpeg")):
            buffer = io.BytesIO()
            # WebP at 80 looks like JPEG at 85 in about two thirds of the bytes.
            resized.save(buffer, fmt, quality=80 if fmt == "WEBP" else 85, optimize=True)
            key = f"{tenant_id}/{purpose}/{media.id}-{width}.{ext}"
            storage().save(key, buffer.getvalue(), content_type)
            renditions.setdefault(ext, {})[str(width)] = key
    media.renditions = renditions
    db.session.add(media)
    db.session.flush()
    return media


class Picture(NamedTuple):
    """A media file as pages read it (media_url, srcset, its size and alt text), as a plain value that can be
    kept between requests, where an ORM object can't."""

    id: int
    width: int
    height: int
    renditions: dict
    alt: str = ""

    @classmethod
    def of(cls, media: MediaFile) -> "Picture":
        return cls(media.id, media.width, media.height, dict(media.renditions or {}), media.alt)

    @classmethod
    def from_row(cls, media_id: int, width: int, height: int, renditions: dict | None, alt: str | None) -> "Picture":
        """A Picture from the media file's columns as a read returns them (renditions and alt may be NULL)."""
        return cls(media_id, width, height, renditions or {}, alt or "")


def media_url(media: MediaFile | None, width: int, ext: str = "webp") -> str | None:
    """The URL of the rendition closest to `width` (the largest when none is that wide)."""
    if media is None or not media.renditions:
        return None
    for size, key, plain in _sizes(media, ext):  # a loop: a generator left early costs a GeneratorExit each time
        if size >= width:
            break  # else the loop ends on the widest
    return _link(key, plain, _url_prefix() if plain else None)


def srcset(media: MediaFile | None, ext: str = "webp") -> str:
    """Every rendition of one format as an HTML srcset ("url 160w, url 480w, …")."""
    if media is None or not media.renditions:
        return ""
    prefix = _url_prefix()
    return ", ".join(f"{_link(key, plain, prefix)} {size}w" for size, key, plain in _sizes(media, ext))


def _link(key: str, plain: bool, prefix: str | None) -> str:
    """A rendition's URL: the request's prefix before a plain public key, else whatever key_url() gives."""
    return prefix + key if plain and prefix is not None else key_url(key)


# A media file's renditions never change once it is stored (store_image() names them by the file's id, which is
# never reused), so each one's sorted sizes are worked out once per process: a page names dozens of them.
MAX_KNOWN_MEDIA = 20_000
_known_sizes: dict[tuple[int, str], tuple[tuple[int, str, bool], ...]] = {}


def _sizes(media, ext: str) -> tuple[tuple[int, str, bool], ...]:
    """(width, key, whether the key is plain and public) of each rendition of one format, narrowest first."""
    known = _known_sizes.get((media.id, ext)) if media.id is not None else None
    if known is None:
        sizes = media.renditions.get(ext) or next(iter(media.renditions.values()))
        known = tuple(sorted((int(size), key, not is_private(key) and _PLAIN_KEY.fullmatch(key) is not None)
                             for size, key in sizes.items()))
        if media.id is not None:
            if len(_known_sizes) >= MAX_KNOWN_MEDIA:
                _known_sizes.clear()
            _known_sizes[(media.id, ext)] = known
    return known


# What store_image() makes keys of: characters that stand in a URL as they are.
_PLAIN_KEY = re.compile(r"[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*")
_PROBE_KEY = "0/probe/0-0.webp"


def key_url(key: str) -> str:
    """storage().url(key), with the URL's prefix worked out once per request: a page names dozens of renditions
    (a product card alone about seven). When the backend's URL for a plain public key is that key after a fixed
    prefix (local files, a public bucket) the prefix is reused; anything else (signed links, private files,
    unusual keys) still goes through storage().url()."""
    if is_private(key) or not _PLAIN_KEY.fullmatch(key):
        return storage().url(key)
    prefix = _url_prefix()
    return storage().url(key) if prefix is None else prefix + key


def _url_prefix() -> str | None:
    """What the storage backend puts before a plain public key in this request, or None where it does more."""
    context = _cv_app.get(None)  # the app context itself: g's proxy costs more than the rest of this
    if context is None:
        return None
    request_g = context.g
    site = request_g.get("site")  # local files are served by the store's host or the platform's
    known = request_g.get("_media_url_prefix")
    if known is None or known[0] != site:
        probe = storage().url(_PROBE_KEY)
        prefix = probe[: -len(_PROBE_KEY)] if probe.endswith("/" + _PROBE_KEY) and "?" not in probe else None
        known = request_g._media_url_prefix = (site, prefix)
    return known[1]
