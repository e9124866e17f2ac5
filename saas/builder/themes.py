"""Builder pages for the store's look: the theme gallery, the editor of the draft, publishing and history."""
from flask import abort, flash, g, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from saas.builder.views import bp
from saas.catalog import collections as catalog_collections
from saas.catalog.models import Product, ProductStatus
from saas.extensions import db
from saas.ids import parse_id
from saas.routing import store_host
from saas.storage.images import ImageRejected, read_upload, store_image
from saas.storefront import look
from saas.storefront.theme_globals import media_file as media_by_id
from saas.storefront.themes import COMPOSED, FONTS, selectable

PAGE_LABELS = {"header": _l("Header (every page)"), "home": _l("Home page"), "product": _l("Product pages"), "collection": _l("Collection pages"),
               "page": _l("Content pages"), "search": _l("Search results")}
FONT_LABELS = {"system": _l("System sans-serif"), "humanist": _l("Humanist sans-serif"),
               "geometric": _l("Geometric sans-serif"), "rounded": _l("Rounded"), "serif": _l("Book serif"),
               "didone": _l("Elegant serif (Didone)"), "slab": _l("Slab serif"), "mono": _l("Monospace")}


def _preview_url(path: str, theme_name: str | None = None) -> str:
    token = look.preview_token(g.tenant.id, current_user.id, theme_name)
    joiner = "&" if "?" in path else "?"
    return f"{request.scheme}://{store_host(g.tenant)}{path}{joiner}preview={token}"


def _sample_path(page: str) -> str:
    """A storefront URL that shows this kind of page, for the preview iframe."""
    if page == "product":
        slug = db.session.scalar(select(Product.slug).where(Product.status == ProductStatus.ACTIVE)
                                 .order_by(Product.created_at.desc()).limit(1))
        return f"/products/{slug}" if slug else "/"
    if page == "collection":
        return "/collections/all"
    if page == "search":
        return "/search?q=a"
    if page == "page":
        from saas.content.models import Page

        slug = db.session.scalar(select(Page.slug).order_by(Page.created_at).limit(1))
        return f"/pages/{slug}" if slug else "/"
    return "/"


@bp.get("/<slug>/themes")
def themes():
    live_theme, _data = look.published()
    current = look.draft()
    return render_template(
        "builder/themes/gallery.html", themes=selectable(), live_theme=live_theme, draft=current,
        versions=look.versions(), preview_url=_preview_url,
    )


@bp.post("/<slug>/themes/use")
def use_theme():
    try:
        look.start_draft(request.form.get("theme", ""))
    except look.LookError as error:
        flash(str(error), "error")
        return redirect(url_for("builder.themes"))
    db.session.commit()
    return redirect(url_for("builder.theme_editor"))


@bp.post("/<slug>/themes/customize")
def customize_theme():
    """Open the editor on the draft, making one from what is live when there is none."""
    if look.draft() is None:
        live_theme, _data = look.published()
        look.start_draft(live_theme.name)
        db.session.commit()
    return redirect(url_for("builder.theme_editor"))


def _editor_state():
    current = look.draft()
    if current is None:
        return None
    theme, data = current
    page = request.args.get("page", "home")
    page = page if page in COMPOSED else "home"
    return theme, data, page


@bp.get("/<slug>/themes/editor")
def theme_editor():
    state = _editor_state()
    if state is None:
        return redirect(url_for("builder.themes"))
    theme, data, page = state
    composition = data["templates"][page]
    selected = request.args.get("section", "")
    if selected not in composition["sections"] and selected != "theme":
        selected = ""
    addable = [s for s in theme.sections.values() if s.addable_to(page)]
    return render_template(
        "builder/themes/editor.html", theme=theme, data=data, page=page, pages=COMPOSED, page_labels=PAGE_LABELS,
        composition=composition, selected=selected, addable=addable,
        preview_src=_preview_url(_sample_path(page)), choices=_choices(theme, composition), font_labels=FONT_LABELS,
        fonts=FONTS,
        media_by_id=media_by_id,
    )


PICK_LIMIT = 300  # products a product setting's list starts with; the picker's search finds the rest


def _choices(theme, composition: dict) -> dict:
    """The options of product and collection settings. A product already chosen is always among them, even
    past the first PICK_LIMIT, so that saving the form never drops it."""
    products = db.session.execute(select(Product.id, Product.title).where(Product.status == ProductStatus.ACTIVE)
                                  .order_by(Product.title).limit(PICK_LIMIT)).all()
    offered = {str(i) for i, _t in products}
    chosen = {value for value in look.setting_values(theme, composition, "product") if value not in offered}
    ids = [parse_id(value) for value in chosen if parse_id(value) is not None]
    if ids:
        extra = db.session.execute(select(Product.id, Product.title).where(Product.id.in_(ids))).all()
        products = sorted([*products, *extra], key=lambda row: row.title.lower())
    return {"product": [(str(i), t) for i, t in products],
            "collection": [(str(c.id), c.title) for c in catalog_collections.all_collections()]}


def _settings_from_form(schema: list, prefix: str, current: dict) -> dict:
    """The posted values of one settings form; image uploads are stored and become media ids."""
    values = dict(current)
    for setting in schema:
        name = setting.get("id")
        if not name:
            continue
        field = f"{prefix}{name}"
        if setting["type"] == "checkbox":
            values[name] = field in request.form
        elif setting["type"] == "image":
            upload = request.files.get(field)
            if request.form.get(f"{field}__remove"):
                values[name] = ""
            elif upload and upload.filename:
                media = store_image(g.tenant.id, read_upload(upload), "theme", (160, 480, 720, 960, 1600), upload.filename)
                values[name] = str(media.id)
        elif field in request.form:
            values[name] = request.form.get(field, "")
    return values


@bp.post("/<slug>/themes/editor")
def theme_editor_action():
    """One change to the draft. Answers JSON to the editor's script, or redirects back without it."""
    state = _editor_state()
    if state is None:
        abort(404)
    theme, data, page = state
    composition = data["templates"][page]
    action = request.form.get("action", "")
    # Buttons that share a form name their section, block or type in the query string of their formaction.
    section_id = request.form.get("section") or request.args.get("section", "")
    selected = section_id
    try:
        if action == "add_section":
            selected = look.add_section(theme, data, page, request.form.get("type") or request.args.get("type", ""))
        elif action in ("up", "down"):
            look.move(composition["order"], section_id, -1 if action == "up" else 1)
        elif action == "order":
            composition["order"] = look.reorder(composition["order"], request.form.getlist("ids"))
        elif action == "toggle" and section_id in composition["sections"]:
            section = composition["sections"][section_id]
            section["disabled"] = not section["disabled"]
        elif action == "remove" and section_id in composition["sections"]:
            composition["order"].remove(section_id)
            del composition["sections"][section_id]
            selected = ""
        elif action == "save_section" and section_id in composition["sections"]:
            section = composition["sections"][section_id]
            schema = theme.sections[section["type"]]
            section["settings"] = _settings_from_form(schema.settings, "s-", section["settings"])
            for block_id in section["block_order"]:
                block = section["blocks"][block_id]
                block_schema = schema.block_schema(block["type"]) or {}
                block["settings"] = _settings_from_form(block_schema.get("settings", []), f"b-{block_id}-",
                                                        block["settings"])
        elif action == "add_block" and section_id in composition["sections"]:
            look.add_block(theme, data, page, section_id, request.args.get("type") or request.form.get("type", ""))
        elif action in ("block_up", "block_down", "block_remove") and section_id in composition["sections"]:
            section = composition["sections"][section_id]
            block_id = request.args.get("block") or request.form.get("block", "")
            if action == "block_remove" and block_id in section["blocks"]:
                section["block_order"].remove(block_id)
                del section["blocks"][block_id]
            else:
                look.move(section["block_order"], block_id, -1 if action == "block_up" else 1)
        elif action == "save_theme_settings":
            data["settings"] = _settings_from_form(theme.settings_schema, "t-", data["settings"])
            selected = "theme"
        else:
            raise look.LookError(_("That change isn't possible."))
    except (look.LookError, ImageRejected) as error:
        db.session.rollback()
        if request.accept_mimetypes.best == "application/json":
            return jsonify(ok=False, error=str(error))
        flash(str(error), "error")
        return redirect(url_for("builder.theme_editor", page=page, section=section_id))
    look.save_draft(theme, data)
    db.session.commit()
    if request.accept_mimetypes.best == "application/json":
        return jsonify(ok=True, message=_("Draft saved."), selected=selected)
    flash(_("Draft saved."), "success")
    return redirect(url_for("builder.theme_editor", page=page, section=selected))


@bp.post("/<slug>/themes/editor/order")
def theme_section_order():
    """The sections' new order from the drag-and-drop list (sortable.js)."""
    state = _editor_state()
    if state is None:
        abort(404)
    theme, data, page = state
    payload = request.get_json(silent=True) or {}
    ids = payload.get("ids") if isinstance(payload, dict) else None
    if not isinstance(ids, list):
        return jsonify(ok=False, error=_("Send the sections in their new order.")), 400
    composition = data["templates"][page]
    composition["order"] = look.reorder(composition["order"], [str(i) for i in ids])
    look.save_draft(theme, data)
    db.session.commit()
    return jsonify(ok=True, message=_("Order saved."))


@bp.post("/<slug>/themes/publish")
def publish_theme():
    try:
        look.publish(current_user.name or current_user.email)
    except look.LookError as error:
        flash(str(error), "error")
        return redirect(url_for("builder.themes"))
    db.session.commit()
    flash(_("Published. Shoppers see the new look now."), "success")
    return redirect(url_for("builder.themes"))


@bp.post("/<slug>/themes/discard")
def discard_theme_draft():
    look.discard_draft()
    db.session.commit()
    flash(_("The draft was discarded."), "success")
    return redirect(url_for("builder.themes"))


@bp.post("/<slug>/themes/versions/<int:version_id>/restore")
def restore_theme_version(version_id):
    try:
        look.restore(version_id, current_user.name or current_user.email)
    except look.LookError:
        abort(404)
    db.session.commit()
    flash(_("That version is live again."), "success")
    return redirect(url_for("builder.themes"))


@bp.get("/<slug>/themes/preview/<theme_name>")
def preview_theme(theme_name):
    """The gallery's "Preview": the store's own products in a theme, without publishing anything."""
    if theme_name not in {t.name for t in selectable()}:
        abort(404)
    return redirect(_preview_url("/", theme_name))


@bp.get("/<slug>/themes/<theme>/preview.png")
def theme_preview_image(theme):
    """A theme's gallery picture (theme files are served here for members; shoppers never need it)."""
    from flask import send_file

    chosen = {t.name: t for t in selectable()}.get(theme)
    path = chosen.find("static/preview.png") if chosen else None
    if path is None:
        abort(404)
    return send_file(path, mimetype="image/png", max_age=3600)
