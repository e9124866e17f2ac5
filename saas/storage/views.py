"""Serves files from local storage. A store host serves only its own store's files."""
from flask import abort, g, send_file
from flask_login import current_user
import io

from saas.routing import HostBlueprint
from saas.storage import LocalStorage, content_type_for, storage

bp = HostBlueprint("media", __name__)

# Files that only the builder hands out (CSV imports and exports, through their own checked views).
BUILDER_ONLY_FOLDERS = {"imports", "exports"}
# Files a store's members see in the builder but shoppers never do (transfer receipts show bank details).
MEMBERS_ONLY_FOLDERS = {"proofs"}


@bp.get("/media/<path:key>")
def file(key: str):
    backend = storage()
    if not isinstance(backend, LocalStorage):
        abort(404)
    owner, _, rest = key.partition("/")
    if rest.split("/", 1)[0] in BUILDER_ONLY_FOLDERS:
        abort(404)
    if g.get("site") == "store":
        if owner != str(g.tenant.id) or rest.split("/", 1)[0] in MEMBERS_ONLY_FOLDERS:
            abort(404)
    elif not _may_view(owner):
        abort(404)
    try:
        if not backend.exists(key):
            abort(404)
    except ValueError:
        abort(404)
    response = send_file(io.BytesIO(backend.read(key)), mimetype=content_type_for(key), max_age=31536000)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def _may_view(owner: str) -> bool:
    if not current_user.is_authenticated:
        return False
    if current_user.is_operator:
        return True
    return any(str(m.tenant_id) == owner for m in current_user.memberships)
