"""Builder pages for collections: the list, the editor with its rules, and a manual collection's products."""
from flask import abort, flash, g, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from saas.builder.collection_forms import (
    EMPTY_RULES,
    FIELD_LABELS,
    KIND_LABELS,
    RELATION_LABELS,
    RELATIONS_BY_FIELD,
    STOCK_LABELS,
    CollectionForm,
)
from saas.builder.views import bp
from saas.catalog import collections as service
from saas.catalog.models import Collection, CollectionKind, CollectionProduct, Product, RuleField
from saas.catalog.search import ProductFilters, product_query
from saas.extensions import db
from saas.money import money_input
from saas.storage import storage
from saas.storage.images import ImageRejected, read_upload, store_image
from saas.ids import parse_id

IMAGE_WIDTHS = (160, 480, 720, 960, 1600)
MAX_MEMBERS_SHOWN = 500  # a manual collection's editable list; the product list filters larger ones
SEARCH_RESULTS = 20


def _collection(collection_id: int) -> Collection:
    """The bound store's collection, or a 404 (the tenant filter hides every other store's)."""
    collection = db.session.scalar(select(Collection).where(Collection.id == collection_id))
    if collection is None:
        abort(404)
    return collection


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json" or request.is_json


def _members(collection: Collection, limit: int = MAX_MEMBERS_SHOWN) -> list[Product]:
    return service.products_in(collection, limit=limit, with_images=True)


def _candidates(collection: Collection, query: str) -> list[Product]:
    """Products that match the search (title, SKU or tag) and are not in the collection yet, newest first."""
    statement = product_query(ProductFilters(q=query.strip()[:200])).where(~select(CollectionProduct.id).where(
        CollectionProduct.product_id == Product.id, CollectionProduct.collection_id == collection.id
    ).exists())
    return list(db.session.scalars(statement.options(selectinload(Product.images)).limit(SEARCH_RESULTS)))


def _rule_rows(collection: Collection) -> list[dict]:
    """The saved rules as the form shows them (a price back in the store's format), plus one empty row."""
    rows = []
    for rule in collection.rules:
        value = rule.value
        if rule.field == RuleField.PRICE and value.isdigit():
            value = money_input(int(value), g.tenant.currency, g.tenant.locale)
        rows.append({
            "field": rule.field.value, "relation": rule.relation.value,
            "value": "" if rule.field == RuleField.STOCK else value,
            "stock": rule.value if rule.field == RuleField.STOCK else "",
        })
    if len(rows) < service.MAX_RULES:
        rows.append({})  # room for one more condition without JavaScript
    while len(rows) < EMPTY_RULES:
        rows.append({})
    return rows


def _form_for(collection: Collection) -> CollectionForm:
    return CollectionForm(formdata=None, data={
        "title": collection.title, "slug": collection.slug, "description_html": collection.description_html,
        "seo_title": collection.seo_title, "seo_description": collection.seo_description,
        "kind": collection.kind.value, "match": "all" if collection.match_all else "any",
        "rules": _rule_rows(collection),
    })


def _discard(media) -> None:
    """Delete a just-stored image's files when the save it belonged to is rolled back."""
    for sizes in (media.renditions or {}).values():
        for key in sizes.values():
            storage().delete(key)


def _put_errors(form: CollectionForm, errors: dict) -> None:
    """Service errors beside their fields; rule errors are shown on their rows by the template."""
    for key, message in errors.items():
        if key == "rules" or key.startswith("rule_"):
            continue
        target = getattr(form, key, None)
        if target is not None and hasattr(target, "errors"):
            target.errors = list(target.errors) + [message]
        else:
            flash(str(message), "error")


def _save(form: CollectionForm, collection: Collection | None):
    """Validate and save; returns (collection, {}) or (None, errors) with nothing written."""
    errors: dict = {}
    media = None
    upload = request.files.get(form.image.name)
    if upload and upload.filename:
        try:
            media = store_image(g.tenant.id, read_upload(upload), "collection", IMAGE_WIDTHS, upload.filename)
        except ImageRejected as error:
            form.image.errors = list(form.image.errors) + [str(error)]
    try:
        saved = service.save_collection(
            g.tenant, collection, title=form.title.data or "", slug=form.slug.data or "",
            description_html=form.description_html.data or "", seo_title=form.seo_title.data or "",
            seo_description=form.seo_description.data or "", kind=form.kind_value(),
            match_all=form.match.data != "any", rules=form.rule_list(),
            image_media_id=media.id if media is not None else None, clear_image=bool(form.remove_image.data),
        )
    except service.CatalogErrors as error:
        errors = dict(error.errors)
    if errors or form.image.errors:
        db.session.rollback()
        if media is not None:
            _discard(media)
        return None, errors
    return saved, {}


def _editor(collection: Collection | None, form: CollectionForm, errors: dict | None = None):
    """Render the new or edit page, keeping what was typed; manual collections show their products."""
    errors = errors or {}
    query = request.args.get("q", "")
    members = candidates = []
    if collection is not None:
        members = _members(collection)
        if not collection.is_automated:
            candidates = _candidates(collection, query)
    rule_errors = {int(key.removeprefix("rule_")): message for key, message in errors.items()
                   if key.startswith("rule_") and key.removeprefix("rule_").isdigit()}
    return render_template(
        "builder/collections/edit.html" if collection else "builder/collections/new.html",
        collection=collection, form=form, members=members, candidates=candidates, query=query,
        rule_errors=rule_errors, rules_error=errors.get("rules"), relations_by_field=RELATIONS_BY_FIELD,
        max_rules=service.MAX_RULES,
    )


def rule_summary(collection: Collection) -> list[str]:
    """Each condition in words ("Product price is less than Rp 100.000"), for the list of collections."""
    from saas.templating import format_money

    parts = []
    for rule in collection.rules:
        if rule.field == RuleField.STOCK:
            value = str(STOCK_LABELS.get(rule.value, rule.value))
        elif rule.field == RuleField.PRICE and rule.value.isdigit():
            value = format_money(int(rule.value), g.tenant.currency)
        else:
            value = rule.value
        parts.append(f"{FIELD_LABELS[rule.field]} {RELATION_LABELS[rule.relation]} {value}")
    return parts


# The list


@bp.get("/<slug>/collections")
def collections():
    rows = list(db.session.scalars(
        select(Collection).options(selectinload(Collection.image), selectinload(Collection.rules))
        .order_by(Collection.title, Collection.id)
    ))
    return render_template("builder/collections/list.html", collections=rows, kind_labels=KIND_LABELS,
                           rule_summary=rule_summary)


# Creating, editing, deleting


@bp.route("/<slug>/collections/new", methods=["GET", "POST"])
def new_collection():
    form = CollectionForm()
    if request.method == "GET" and request.args.get("kind") == CollectionKind.AUTOMATED.value:
        form.kind.data = CollectionKind.AUTOMATED.value
    if form.validate_on_submit():
        collection, errors = _save(form, None)
        if collection is not None:
            db.session.commit()
            flash(_("%(title)s was added.", title=collection.title), "success")
            anchor = "products" if not collection.is_automated else None
            return redirect(url_for("builder.edit_collection", collection_id=collection.id, _anchor=anchor))
        _put_errors(form, errors)
        return _editor(None, form, errors)
    return _editor(None, form)


@bp.route("/<slug>/collections/<int:collection_id>", methods=["GET", "POST"])
def edit_collection(collection_id):
    collection = _collection(collection_id)
    if request.method == "GET":
        return _editor(collection, _form_for(collection))
    form = CollectionForm()
    if form.validate_on_submit():
        saved, errors = _save(form, collection)
        if saved is not None:
            db.session.commit()
            flash(_("Saved."), "success")
            return redirect(url_for("builder.edit_collection", collection_id=collection_id))
        _put_errors(form, errors)
        return _editor(_collection(collection_id), form, errors)
    return _editor(collection, form)


@bp.route("/<slug>/collections/<int:collection_id>/delete", methods=["GET", "POST"])
def delete_collection(collection_id):
    """GET asks (a page, so it works without JavaScript); POST deletes. Products stay in the store."""
    collection = _collection(collection_id)
    if request.method == "GET":
        return render_template("builder/collections/delete.html", collection=collection)
    title = collection.title
    service.delete_collection(collection)
    db.session.commit()
    flash(_("%(title)s was deleted. Its products are still in your store.", title=title), "success")
    return redirect(url_for("builder.collections"))


# A manual collection's products


def _back_to_products(collection_id: int, query: str = ""):
    return redirect(url_for("builder.edit_collection", collection_id=collection_id, q=query or None,
                            _anchor="products"))


@bp.post("/<slug>/collections/<int:collection_id>/products")
def add_collection_products(collection_id):
    collection = _collection(collection_id)
    ids = request.form.getlist("product_ids")
    query = request.form.get("q", "")
    if not ids:
        flash(_("Tick the products to add first."), "error")
        return _back_to_products(collection_id, query)
    try:
        added = service.add_products(collection, ids)
    except service.CatalogError as error:
        db.session.rollback()
        flash(str(error.message), "error")
        return _back_to_products(collection_id)
    db.session.commit()
    flash(ngettext("Added %(num)d product.", "Added %(num)d products.", added), "success")
    return _back_to_products(collection_id, query)


def _member_or_404(collection: Collection, product_id: int) -> None:
    exists = db.session.scalar(select(CollectionProduct.id).where(
        CollectionProduct.collection_id == collection.id, CollectionProduct.product_id == product_id))
    if exists is None:
        abort(404)


@bp.post("/<slug>/collections/<int:collection_id>/products/<int:product_id>/remove")
def remove_collection_product(collection_id, product_id):
    collection = _collection(collection_id)
    _member_or_404(collection, product_id)
    try:
        service.remove_product(collection, product_id)
    except service.CatalogError as error:
        db.session.rollback()
        flash(str(error.message), "error")
    else:
        db.session.commit()
        if _wants_json():
            return jsonify(ok=True, count=collection.product_count)
        flash(_("Removed from %(title)s. The product is still in your store.", title=collection.title), "success")
    return _back_to_products(collection_id)


def _order(collection: Collection) -> list[int]:
    return list(db.session.scalars(
        select(CollectionProduct.product_id).where(CollectionProduct.collection_id == collection.id)
        .order_by(CollectionProduct.position, CollectionProduct.id)
    ))


@bp.post("/<slug>/collections/<int:collection_id>/products/<int:product_id>/move")
def move_collection_product(collection_id, product_id):
    """The up and down buttons: the keyboard's and the no-script way to reorder."""
    collection = _collection(collection_id)
    order = _order(collection)
    if product_id not in order:
        abort(404)
    if collection.is_automated:
        flash(_("An automated collection's order follows its products; it can't be changed by hand."), "error")
        return _back_to_products(collection_id)
    index = order.index(product_id)
    target = index - 1 if request.form.get("do") == "up" else index + 1
    if 0 <= target < len(order):
        order[index], order[target] = order[target], order[index]
        service.reorder(collection, order)
        db.session.commit()
    if _wants_json():
        return jsonify(ok=True, ids=[str(i) for i in order])
    return redirect(url_for("builder.edit_collection", collection_id=collection_id, _anchor=f"member-{product_id}"))


@bp.post("/<slug>/collections/<int:collection_id>/products/order")
def reorder_collection_products(collection_id):
    """The drag-and-drop script posts {"ids": [...]} in the new order."""
    collection = _collection(collection_id)
    payload = request.get_json(silent=True)
    ids = payload.get("ids") if isinstance(payload, dict) else None
    if not isinstance(ids, list):
        return jsonify(ok=False, error=_("Send the products' ids in their new order.")), 400
    if collection.is_automated:
        return jsonify(ok=False, error=_("An automated collection's order follows its products; it can't be changed by hand.")), 409
    service.reorder(collection, [parse_id(i) for i in ids if parse_id(i) is not None])
    db.session.commit()
    return jsonify(ok=True, ids=[str(i) for i in _order(collection)], message=_("Order saved."))
