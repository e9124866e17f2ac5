"""Compressed responses (zstd, brotli or gzip, as the browser accepts) for shared storefront pages and static files.

Builder, checkout and account pages stay uncompressed: they carry CSRF tokens beside text a visitor can
choose, the mix that BREACH reads secrets from. Catalog pages are the same for everyone and hold no secret.
"""
from flask import g, request
from flask_compress import Compress

compress = Compress()


def init_app(app) -> None:
    """Call before the page cache registers, so that the cache keeps the plain body and every hit is compressed."""
    app.config.setdefault("COMPRESS_REGISTER", False)
    app.config.setdefault("COMPRESS_LEVEL", 6)
    app.config.setdefault("COMPRESS_BR_LEVEL", 5)
    # Streamed compression would leave send_file's file open; files are read whole below instead.
    app.config.setdefault("COMPRESS_STREAMS", False)
    compress.init_app(app)

    @app.after_request
    def _compress(response):
        from saas.storefront.cache import CACHED_ENDPOINTS

        # Only what is the same for everyone: the cacheable pages, their 404s and static files. Checkout,
        # accounts and order pages carry CSRF tokens beside text a visitor can choose.
        shared = (request.path.startswith(("/static/", "/theme-assets/")) or (
            g.get("site") == "store" and (request.endpoint in CACHED_ENDPOINTS or request.endpoint is None)))
        if not shared or response.status_code != 200 or response.mimetype not in compress.compress_mimetypes_set:
            return response
        if response.direct_passthrough:
            # A static file: read it into memory (theme and app assets are small); the file closes with the response.
            response.direct_passthrough = False
            response.make_sequence()
        return compress.after_request(response)
