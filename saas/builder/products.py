"""Builder pages for products: the list with search, filters and bulk actions, and the product editor."""
from flask import abort, flash, g, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from wtforms import SelectChoice

from saas.builder.product_forms import (
    REASON_LABELS,
    STATUS_LABELS,
    BulkForm,
    ImageUploadForm,
    OptionsForm,
    ProductForm,
    StockAdjustmentForm,
    VariantForm,
)
from saas.builder.views import bp
from saas.catalog import collections
from saas.catalog import services as catalog
from saas.catalog.models import AdjustmentReason, Collection, CollectionKind, Product, ProductStatus, Variant
from saas.catalog.search import ProductFilters, product_query, vendors
from saas.extensions import db
from saas.money import money_input
from saas.platform.pagination import paginate
from saas.storage.images import ImageRejected, read_upload
from saas.ids import parse_id

PER_PAGE = 50
VARIANT_FIELDS = ("price", "compare_at_price", "cost", "sku", "barcode", "weight_grams", "stock", "track_stock",
                  "allow_backorder", "low_stock_threshold", "image_id")
OPTIONAL_AMOUNTS = ("compare_at_price", "cost", "low_stock_threshold")


def _product(product_id: int) -> Product:
    """The bound store's product, or a 404 (the tenant filter hides every other store's)."""
    product = db.session.scalar(select(Product).where(Product.id == product_id))
    if product is None:
        abort(404)
    return product


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json"


def _put_errors(errors: dict, *forms) -> None:
    """Put service errors beside their fields; an error with no field of its own is flashed."""
    for key, message in errors.items():
        target = None
        for form in forms:
            name = f"{key}_name" if key.startswith("option_") else key
            target = getattr(form, name, None)
            if target is not None and hasattr(target, "errors"):
                break
            target = None
        if target is None:
            flash(str(message), "error")
        else:
            if not isinstance(target.errors, list):
                target.errors = list(target.errors)
            target.errors.append(message)


def _variant_values(form, variant: Variant | None = None) -> catalog.VariantValues:
    """The submitted variant fields; an emptied optional amount is cleared, an emptied price is an error."""
    values = catalog.VariantValues(
        price=form.price.data, compare_at_price=form.compare_at_price.data, cost=form.cost.data,
        sku=form.sku.data or "", barcode=form.barcode.data or "", weight_grams=form.weight_grams.data or 0,
        track_stock=bool(form.track_stock.data), allow_backorder=bool(form.allow_backorder.data),
        low_stock_threshold=form.low_stock_threshold.data,
    )
    values.clear = {name for name in OPTIONAL_AMOUNTS if getattr(form, name).data is None}
    image_field = getattr(form, "image_id", None)
    if image_field is not None:
        if parse_id(image_field.data) is not None:
            values.image_id = parse_id(image_field.data)
        else:
            values.clear.add("image_id")
    return values


def _check_price(form) -> bool:
    if form.price.data is None and not form.price.errors:
        form.price.errors = list(form.price.errors) + [_("Enter a price, such as 150.000.")]
    return not form.price.errors


# The list


def _collection_choices():
    return [SelectChoice(str(c.id), c.title) for c in collections.all_collections()]


@bp.get("/<slug>/products")
def products():
    filters = ProductFilters.from_args(request.args)
    statement = product_query(filters).options(selectinload(Product.images))
    page = paginate(statement, request.args.get("page"), PER_PAGE)
    bulk = BulkForm()
    all_collections = collections.all_collections()
    bulk.collection_id.choices = [SelectChoice(str(c.id), c.title) for c in all_collections
                                  if c.kind == CollectionKind.MANUAL]
    has_any = page.total > 0 or filters.active or db.session.scalar(select(Product.id).limit(1)) is not None
    return render_template(
        "builder/products/list.html", page=page, filters=filters, bulk=bulk, vendors=vendors(),
        collections=all_collections, status_labels=STATUS_LABELS, has_any=has_any,
    )


LOOKUP_RESULTS = 20


@bp.get("/<slug>/products/lookup")
def product_lookup():
    """Products by title, SKU, barcode or tag, as JSON for the pickers that link to one (menus, theme
    sections): a store with thousands of products can't list them all in a select."""
    query = (request.args.get("q") or "").strip()[:200]
    filters = ProductFilters(q=query, status="active" if request.args.get("active") == "1" else "",
                             sort="title", direction="asc")
    found = db.session.execute(product_query(filters).with_only_columns(Product.id, Product.title, Product.status)
                               .limit(LOOKUP_RESULTS)).all()
    return jsonify(products=[{"id": str(row.id), "title": row.title, "status": row.status.value} for row in found])


@bp.post("/<slug>/products/bulk")
def bulk_products():
    form = BulkForm()
    form.collection_id.choices = _collection_choices()
    ids = request.form.getlist("product_ids")
    back = request.form.get("back") or url_for("builder.products")
    if not back.startswith("/stores/"):
        back = url_for("builder.products")
    if not form.validate_on_submit() or not form.action.data:
        flash(_("Choose an action."), "error")
        return redirect(back)
    if not ids:
        flash(_("Select at least one product."), "error")
        return redirect(back)
    action = form.action.data
    try:
        if action == "delete":
            if request.form.get("confirmed") != "yes":
                chosen = catalog.products_by_ids(ids)
                return render_template("builder/products/confirm_delete.html", products=chosen, back=back)
            count = catalog.bulk_delete(ids)
            message = ngettext("Deleted %(num)d product.", "Deleted %(num)d products.", count)
        elif action in ("activate", "draft", "archive"):
            status = {"activate": ProductStatus.ACTIVE, "draft": ProductStatus.DRAFT, "archive": ProductStatus.ARCHIVED}
            count = catalog.bulk_set_status(ids, status[action])
            message = ngettext("Updated %(num)d product.", "Updated %(num)d products.", count)
        elif action in ("add_tag", "remove_tag"):
            count = catalog.bulk_tag(ids, form.tag.data or "", add=action == "add_tag")
            message = ngettext("Updated %(num)d product.", "Updated %(num)d products.", count)
        elif action == "add_to_collection":
            chosen = str(form.collection_id.data or "")
            collection = db.session.scalar(select(Collection).where(Collection.id == parse_id(chosen))) if parse_id(chosen) else None
            if collection is None:
                flash(_("Choose a collection."), "error")
                return redirect(back)
            count = collections.add_products(collection, ids)
            message = ngettext("Added %(num)d product to %(collection)s.", "Added %(num)d products to %(collection)s.",
                               count, collection=collection.title)
        else:
            flash(_("Choose an action."), "error")
            return redirect(back)
    except catalog.CatalogError as error:
        db.session.rollback()
        flash(str(error.message), "error")
        return redirect(back)
    db.session.commit()
    flash(message, "success")
    return redirect(back)


# Creating and editing


@bp.route("/<slug>/products/new", methods=["GET", "POST"])
def new_product():
    form = ProductForm()
    options_form = OptionsForm()
    if request.method == "GET":
        form.track_stock.data = True
        form.stock.data = 0
    # Every check runs (no short-circuit) so that all the errors show at once.
    if request.method == "POST" and form.validate_on_submit() & options_form.validate() & _check_price(form):
        values = _variant_values(form)
        try:
            product = catalog.create_product(
                g.tenant, user=current_user, title=form.title.data or "", slug=form.slug.data or "",
                description_html=form.description_html.data or "", status=form.status.data, vendor=form.vendor.data,
                seo_title=form.seo_title.data, seo_description=form.seo_description.data, tags=form.tags.data or "",
                options=options_form.options(), default_variant=values, stock=form.stock.data or 0,
                tax_exempt=form.tax_exempt.data,
            )
        except catalog.CatalogErrors as error:
            db.session.rollback()
            _put_errors(error.errors, form, options_form)
        else:
            db.session.commit()
            flash(_("%(title)s was added.", title=product.title), "success")
            return redirect(url_for("builder.edit_product", product_id=product.id))
    return render_template("builder/products/new.html", form=form, options_form=options_form)


def _editor(product: Product, form=None, options_form=None, row_errors=None, row_forms=None, stock_form=None,
            image_form=None):
    """Render the product editor, keeping whichever forms were just submitted."""
    variants = product.variants
    default = variants[0] if variants else None
    if form is None:
        form = ProductForm(obj=product, formdata=None)
        form.tags.data = ", ".join(product.tags)
        if default is not None and not product.has_options:
            for name in VARIANT_FIELDS:
                if hasattr(form, name):
                    getattr(form, name).data = getattr(default, name)
        form.status.data = product.status.value
    if options_form is None:
        options_form = OptionsForm(formdata=None)
        options_form.fill(product.options)
    image_choices = [SelectChoice("", _("No image"))] + [
        SelectChoice(str(image.id), image.alt or _("Image %(n)d", n=position + 1))
        for position, image in enumerate(product.images)
    ]
    rows = []
    for variant in variants:
        row = (row_forms or {}).get(variant.id)
        if row is None:
            row = VariantForm(obj=variant, formdata=None, prefix=f"v{variant.id}")
            row.image_id.data = str(variant.image_id or "")
        row.image_id.choices = image_choices
        rows.append((variant, row))
    if stock_form is None:
        stock_form = StockAdjustmentForm(formdata=None)
    stock_form.variant_id.choices = [SelectChoice(str(v.id), v.title or product.title) for v in variants]
    return render_template(
        "builder/products/edit.html", product=product, form=form, options_form=options_form, rows=rows,
        row_errors=row_errors or {}, stock_form=stock_form, image_form=image_form or ImageUploadForm(formdata=None),
        history=catalog.stock_history(product), reason_labels=REASON_LABELS,
        variant_titles={v.id: v.title for v in variants},
        all_collections=collections.all_collections(), member_of=set(collections.collections_of(product)),
    )


@bp.route("/<slug>/products/<int:product_id>", methods=["GET", "POST"])
def edit_product(product_id):
    product = _product(product_id)
    if request.method == "GET":
        return _editor(product)
    form = ProductForm()
    simple = not product.has_options
    valid = form.validate_on_submit()
    if simple:
        valid = _check_price(form) and valid
    if valid:
        errors = {}
        try:
            catalog.update_product(
                product, tenant=g.tenant, title=form.title.data or "", slug=form.slug.data or "",
                description_html=form.description_html.data or "", status=form.status.data, vendor=form.vendor.data,
                seo_title=form.seo_title.data, seo_description=form.seo_description.data, tags=form.tags.data or "",
                tax_exempt=form.tax_exempt.data,
            )
        except catalog.CatalogErrors as error:
            errors.update(error.errors)
        if simple and not errors:
            try:
                catalog.update_variant(product.variants[0], _variant_values(form), g.tenant,
                                       stock=form.stock.data, user=current_user)
            except catalog.CatalogErrors as error:
                errors.update(error.errors)
        if not errors:
            db.session.commit()
            flash(_("Saved."), "success")
            return redirect(url_for("builder.edit_product", product_id=product.id))
        db.session.rollback()
        _put_errors(errors, form)
    return _editor(_product(product_id), form=form)


@bp.post("/<slug>/products/<int:product_id>/collections")
def product_collections(product_id):
    """The editor's collection checkboxes: the manual collections this product belongs to."""
    product = _product(product_id)
    collections.set_manual_collections(product, request.form.getlist("collection_ids"))
    db.session.commit()
    flash(_("Collections saved."), "success")
    return redirect(url_for("builder.edit_product", product_id=product_id))


@bp.post("/<slug>/products/<int:product_id>/options")
def product_options(product_id):
    product = _product(product_id)
    options_form = OptionsForm()
    if options_form.validate_on_submit():
        try:
            catalog.set_options(product, options_form.options(), g.tenant)
        except catalog.CatalogError as error:
            db.session.rollback()
            _put_errors({error.field: error.message}, options_form)
        else:
            db.session.commit()
            flash(_("Options saved. The variants below follow them."), "success")
            return redirect(url_for("builder.edit_product", product_id=product_id, _anchor="variants"))
    return _editor(_product(product_id), options_form=options_form)


def _variant_json(variant: Variant) -> dict:
    currency, locale = g.tenant.currency, g.tenant.locale
    product = variant.product
    return {
        "id": str(variant.id),
        "price": money_input(variant.price, currency, locale),
        "compare_at_price": money_input(variant.compare_at_price, currency, locale),
        "cost": money_input(variant.cost, currency, locale),
        "sku": variant.sku or "",
        "stock": variant.stock,
        "product": {"stock_state": product.stock_state.value, "total_stock": product.total_stock},
    }


@bp.post("/<slug>/products/<int:product_id>/variants/<int:variant_id>")
def update_variant(product_id, variant_id):
    """Save one row of the variant matrix: JSON for the editor's script, a redirect or the page without it."""
    product = _product(product_id)
    variant = next((v for v in product.variants if v.id == variant_id), None)
    if variant is None:
        abort(404)
    form = VariantForm(prefix=f"v{variant.id}")
    form.image_id.choices = [SelectChoice("", "")] + [SelectChoice(str(i.id), str(i.id)) for i in product.images]
    errors = {}
    valid = form.validate_on_submit()
    valid = _check_price(form) and valid
    if valid:
        try:
            catalog.update_variant(variant, _variant_values(form, variant), g.tenant, stock=form.stock.data,
                                   user=current_user)
        except catalog.CatalogErrors as error:
            errors = error.errors
    else:
        errors = {name: " ".join(str(e) for e in field.errors) for name, field in form._fields.items() if field.errors}
    if not errors:
        db.session.commit()
        if _wants_json():
            return jsonify(ok=True, message=_("Saved."), variant=_variant_json(variant))
        flash(_("Variant %(title)s saved.", title=variant.title), "success")
        return redirect(url_for("builder.edit_product", product_id=product_id, _anchor=f"variant-{variant_id}"))
    db.session.rollback()
    if _wants_json():
        # 200, not 422: the script shows the errors in the row, and a 4xx would also log a console error.
        return jsonify(ok=False, errors={k: str(v) for k, v in errors.items()})
    if valid:
        _put_errors(errors, form)
    return _editor(_product(product_id), row_forms={variant_id: form}, row_errors={variant_id: True})


# Images


@bp.post("/<slug>/products/<int:product_id>/images")
def upload_images(product_id):
    product = _product(product_id)
    form = ImageUploadForm()
    files = [f for f in request.files.getlist("images") if f and f.filename]
    if not form.validate_on_submit():
        return _editor(product, image_form=form)
    if not files:
        form.images.errors = [_("Choose one or more image files.")]
        return _editor(product, image_form=form)
    try:
        for upload in files:
            catalog.add_image(product, read_upload(upload), upload.filename, alt=form.alt.data or "")
    except (ImageRejected, catalog.CatalogError) as error:
        db.session.rollback()
        form.images.errors = [_("%(file)s: %(problem)s", file=upload.filename, problem=str(error))]
        return _editor(_product(product_id), image_form=form)
    db.session.commit()
    flash(ngettext("Added %(num)d image.", "Added %(num)d images.", len(files)), "success")
    return redirect(url_for("builder.edit_product", product_id=product_id, _anchor="media"))


@bp.post("/<slug>/products/<int:product_id>/images/<int:image_id>")
def update_image(product_id, image_id):
    """One image's buttons: save its alt text, move it up or down, or remove it."""
    product = _product(product_id)
    image = next((i for i in product.images if i.id == image_id), None)
    if image is None:
        abort(404)
    action = request.form.get("do", "alt")
    try:
        if action == "up":
            catalog.move_image(product, image_id, -1)
        elif action == "down":
            catalog.move_image(product, image_id, 1)
        elif action == "remove":
            catalog.remove_image(product, image_id)
        else:
            catalog.set_image_alt(image, request.form.get("alt", ""))
    except catalog.CatalogError as error:
        db.session.rollback()
        flash(str(error.message), "error")
    else:
        db.session.commit()
        if not _wants_json():
            flash(_("Image removed.") if action == "remove" else _("Images saved."), "success")
    if _wants_json():
        return jsonify(ok=True)
    return redirect(url_for("builder.edit_product", product_id=product_id, _anchor="media"))


@bp.post("/<slug>/products/<int:product_id>/images/order")
def reorder_images(product_id):
    product = _product(product_id)
    payload = request.get_json(silent=True) or {}
    ids = payload.get("ids") if isinstance(payload, dict) else None
    if not isinstance(ids, list):
        return jsonify(ok=False, error=_("Send the images' ids in their new order.")), 400
    catalog.reorder_images(product, [parse_id(i) for i in ids if parse_id(i) is not None])
    db.session.commit()
    return jsonify(ok=True, ids=[str(image.id) for image in product.images])


# Stock and deletion


@bp.post("/<slug>/products/<int:product_id>/stock")
def adjust_stock(product_id):
    product = _product(product_id)
    form = StockAdjustmentForm()
    form.variant_id.choices = [SelectChoice(str(v.id), v.title) for v in product.variants]
    if form.validate_on_submit():
        variant = next((v for v in product.variants if str(v.id) == form.variant_id.data), None)
        if variant is None:
            form.variant_id.errors = [_("Choose a variant.")]
        elif not form.change.data:
            form.change.errors = [_("Enter how many were added (such as 10) or taken away (such as -2).")]
        else:
            try:
                catalog.adjust_stock(variant, form.change.data, AdjustmentReason(form.reason.data), user=current_user,
                                     note=form.note.data or "", tenant=g.tenant)
                collections.sync_product(product)
            except catalog.CatalogError as error:
                db.session.rollback()
                form.change.errors = [error.message]
            else:
                db.session.commit()
                flash(_("Stock updated: %(title)s now has %(count)d.", title=variant.title or product.title,
                        count=variant.stock), "success")
                return redirect(url_for("builder.edit_product", product_id=product_id, _anchor="inventory"))
    return _editor(_product(product_id), stock_form=form)


@bp.post("/<slug>/products/<int:product_id>/delete")
def delete_product(product_id):
    product = _product(product_id)
    title = product.title
    catalog.delete_product(product)
    db.session.commit()
    flash(_("%(title)s was deleted.", title=title), "success")
    return redirect(url_for("builder.products"))
