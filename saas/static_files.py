"""Content-hashed URLs for the app's own static files: `?v=<hash>` is added by url_for, and such a URL is
cached for a year, since a changed file gets a new URL."""
import hashlib
from pathlib import Path

from flask import request
from werkzeug.security import safe_join

STATIC_ENDPOINTS = ("static", "store_static")
YEAR = 31536000


def init_app(app) -> None:
    versions: dict[str, str] = {}

    def version_of(filename: str) -> str:
        if filename not in versions or app.debug:
            path = safe_join(app.static_folder, filename)
            versions[filename] = (hashlib.sha256(Path(path).read_bytes()).hexdigest()[:12]
                                  if path and Path(path).is_file() else "0")
        return versions[filename]

    @app.url_defaults
    def _add_version(endpoint, values):
        if endpoint in STATIC_ENDPOINTS and "filename" in values and "v" not in values:
            values["v"] = version_of(values["filename"])

    @app.after_request
    def _cache_for_a_year(response):
        if (request.endpoint in STATIC_ENDPOINTS and response.status_code == 200
                and request.args.get("v") == version_of(request.view_args.get("filename", ""))):
            response.cache_control.max_age = YEAR
            response.cache_control.public = True
            response.cache_control.immutable = True
            response.cache_control.no_cache = None
        return response
