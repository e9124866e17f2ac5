"""Collections: picked by hand and ordered, or automated by rules that are re-applied when products change.

Membership of both kinds is kept in collection_products, so the product list, the storefront and the
product count read one table.
"""
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select

from saas.catalog.models import (
    Collection,
    CollectionKind,
    CollectionProduct,
    CollectionRule,
    Product,
    RuleField,
    RuleRelation,
    StockState,
)
from saas.catalog.services import (
    CatalogError,
    CatalogErrors,
    check_listing_fields,
    record_slug_change,
    sanitize_html,
    slugify,
    unique_slug,
)
from saas.extensions import db
from saas.ids import new_id, parse_id
from saas.money import MoneyError, parse_money

MAX_RULES = 20

# Which relations make sense for each field (the builder offers only these).
RELATIONS = {
    RuleField.TAG: (RuleRelation.EQUALS, RuleRelation.NOT_EQUALS, RuleRelation.CONTAINS),
    RuleField.VENDOR: (RuleRelation.EQUALS, RuleRelation.NOT_EQUALS, RuleRelation.CONTAINS),
    RuleField.PRICE: (RuleRelation.GREATER_THAN, RuleRelation.LESS_THAN, RuleRelation.EQUALS),
    RuleField.STOCK: (RuleRelation.EQUALS, RuleRelation.NOT_EQUALS),
}


def clean_rules(rules: list[dict], currency: str, locale: str) -> list[dict]:
    """[{"field", "relation", "value"}] checked and normalized (prices to minor units as text)."""
    cleaned = []
    for index, rule in enumerate(rules):
        raw_value = (rule.get("value") or "").strip()
        if not rule.get("field") and not raw_value:
            continue
        key = f"rule_{index}"
        try:
            field = RuleField(rule.get("field"))
            relation = RuleRelation(rule.get("relation"))
        except ValueError:
            raise CatalogError(key, _l("Choose a condition from the list."))
        if relation not in RELATIONS[field]:
            raise CatalogError(key, _l("Choose a condition from the list."))
        if not raw_value:
            raise CatalogError(key, _l("Enter a value for this condition."))
        if field == RuleField.PRICE:
            try:
                value = str(parse_money(raw_value, currency, locale))
            except MoneyError as error:
                raise CatalogError(key, str(error))
        elif field == RuleField.STOCK:
            if raw_value not in {s.value for s in StockState}:
                raise CatalogError(key, _l("Choose a stock state from the list."))
            value = raw_value
        else:
            value = raw_value[:255]
        cleaned.append({"field": field, "relation": relation, "value": value})
    if len(cleaned) > MAX_RULES:
        raise CatalogError("rules", _l("Use at most %(n)d conditions.", n=MAX_RULES))
    return cleaned


def _check_fields(title, slug, seo_title, seo_description) -> dict:
    return check_listing_fields(
        title, slug, seo_title, seo_description, missing_title=_l("Give the collection a title."),
        slug_hint=_l("Use lowercase letters, digits and hyphens, such as kemeja-batik-biru."))


def save_collection(tenant, collection: Collection | None, *, title: str, slug: str = "", description_html: str = "",
                    seo_title: str = "", seo_description: str = "", kind=CollectionKind.MANUAL, match_all: bool = True,
                    rules=(), image_media_id: int | None = None, clear_image: bool = False) -> Collection:
    """Create (collection=None) or update a collection; an automated one is re-matched at once.

    `image_media_id` sets a new image; None keeps the current one unless `clear_image` is given."""
    errors = _check_fields(title, slug, seo_title, seo_description)
    kind = CollectionKind(kind)
    cleaned_rules = []
    if kind == CollectionKind.AUTOMATED:
        try:
            cleaned_rules = clean_rules(list(rules), tenant.currency, tenant.locale)
        except CatalogError as error:
            errors[error.field] = error.message
        if not cleaned_rules and not errors:
            errors["rules"] = _l("Add at least one condition, or make it a manual collection.")
    if errors:
        raise CatalogErrors(errors)
    wanted_slug = slug or slugify(title) or "collection"
    if collection is None:
        collection = Collection(id=new_id(), tenant_id=tenant.id, slug=unique_slug(Collection, wanted_slug))
        db.session.add(collection)
    elif wanted_slug != collection.slug:
        new_slug = unique_slug(Collection, wanted_slug, exclude_id=collection.id)
        record_slug_change("collection", collection.id, collection.slug, new_slug)
        collection.slug = new_slug
    collection.title = title.strip()
    collection.description_html = sanitize_html(description_html)
    collection.seo_title = (seo_title or "").strip()
    collection.seo_description = (seo_description or "").strip()
    if image_media_id is not None:
        collection.image_media_id = image_media_id
    elif clear_image:
        collection.image_media_id = None
    was_automated = collection.kind == CollectionKind.AUTOMATED if collection.kind else False
    collection.kind = kind
    collection.match_all = bool(match_all)
    collection.rules.clear()
    db.session.flush()
    for position, rule in enumerate(cleaned_rules):
        collection.rules.append(CollectionRule(id=new_id(), tenant_id=tenant.id, collection_id=collection.id,
                                               position=position, **rule))
    db.session.flush()
    if kind == CollectionKind.AUTOMATED:
        refresh_automated(collection)
    elif was_automated:
        recount([collection.id])  # the matched products stay, now as a manual list to edit
    else:
        recount([collection.id])
    return collection


def _rule_clause(rule: CollectionRule):
    """The SQL condition on Product for one rule."""
    from saas.catalog.models import ProductTag

    value = rule.value
    if rule.field == RuleField.TAG:
        tags = select(ProductTag.product_id).where(ProductTag.product_id == Product.id)
        if rule.relation == RuleRelation.CONTAINS:
            matched = tags.where(ProductTag.key.contains(value.lower(), autoescape=True))
        else:
            matched = tags.where(ProductTag.key == value.lower())
        return ~matched.exists() if rule.relation == RuleRelation.NOT_EQUALS else matched.exists()
    if rule.field == RuleField.VENDOR:
        vendor = func.lower(Product.vendor)
        if rule.relation == RuleRelation.CONTAINS:
            return vendor.contains(value.lower(), autoescape=True)
        return vendor == value.lower() if rule.relation == RuleRelation.EQUALS else vendor != value.lower()
    if rule.field == RuleField.PRICE:
        amount = int(value)
        if rule.relation == RuleRelation.GREATER_THAN:
            return Product.price_min > amount
        if rule.relation == RuleRelation.LESS_THAN:
            return Product.price_min < amount
        return Product.price_min == amount
    state = StockState(value)
    return Product.stock_state == state if rule.relation == RuleRelation.EQUALS else Product.stock_state != state


def _matches_clause(collection: Collection):
    from sqlalchemy import and_, or_

    clauses = [_rule_clause(rule) for rule in collection.rules]
    return and_(*clauses) if collection.match_all else or_(*clauses)


def refresh_automated(collection: Collection) -> None:
    """Make the collection hold exactly the products its rules match, newest first."""
    matching = set(db.session.scalars(select(Product.id).where(_matches_clause(collection))))
    current = set(db.session.scalars(
        select(CollectionProduct.product_id).where(CollectionProduct.collection_id == collection.id)
    ))
    if current - matching:
        db.session.execute(delete(CollectionProduct).where(
            CollectionProduct.collection_id == collection.id, CollectionProduct.product_id.in_(current - matching)
        ))
    for product_id in sorted(matching - current, reverse=True):
        db.session.add(CollectionProduct(id=new_id(), collection_id=collection.id, product_id=product_id, position=0))
    collection.product_count = len(matching)
    db.session.flush()


def sync_product(product: Product) -> None:
    """Re-apply every automated collection's rules to one product that just changed."""
    automated = list(db.session.scalars(select(Collection).where(Collection.kind == CollectionKind.AUTOMATED)))
    if not automated:
        return
    member_of = set(db.session.scalars(
        select(CollectionProduct.collection_id).where(CollectionProduct.product_id == product.id)
    ))
    for collection in automated:
        if not collection.rules:
            continue
        matches = db.session.scalar(
            select(Product.id).where(Product.id == product.id).where(_matches_clause(collection))
        ) is not None
        if matches and collection.id not in member_of:
            db.session.add(CollectionProduct(id=new_id(), collection_id=collection.id, product_id=product.id, position=0))
            collection.product_count += 1
        elif not matches and collection.id in member_of:
            db.session.execute(delete(CollectionProduct).where(
                CollectionProduct.collection_id == collection.id, CollectionProduct.product_id == product.id
            ))
            collection.product_count = max(0, collection.product_count - 1)
    db.session.flush()


def collections_of(product: Product) -> list[int]:
    return list(db.session.scalars(
        select(CollectionProduct.collection_id).where(CollectionProduct.product_id == product.id)
    ))


def recount(collection_ids) -> None:
    for collection_id in set(collection_ids):
        collection = db.session.scalar(select(Collection).where(Collection.id == collection_id))
        if collection is not None:
            collection.product_count = db.session.scalar(
                select(func.count()).select_from(CollectionProduct).where(CollectionProduct.collection_id == collection_id)
            )
    db.session.flush()


def add_products(collection: Collection, product_ids) -> int:
    """Add products to the end of a manual collection; ones already in it, or not of this store, are skipped."""
    if collection.is_automated:
        raise CatalogError("collection", _l("Products join an automated collection by its conditions."))
    ids = [i for i in map(parse_id, product_ids) if i is not None]
    existing_products = set(db.session.scalars(select(Product.id).where(Product.id.in_(ids)))) if ids else set()
    present = set(db.session.scalars(
        select(CollectionProduct.product_id).where(CollectionProduct.collection_id == collection.id)
    ))
    position = db.session.scalar(
        select(func.coalesce(func.max(CollectionProduct.position), -1)).where(CollectionProduct.collection_id == collection.id)
    )
    added = 0
    for product_id in ids:
        if product_id in existing_products and product_id not in present:
            position += 1
            present.add(product_id)
            db.session.add(CollectionProduct(id=new_id(), collection_id=collection.id, product_id=product_id,
                                             position=position))
            added += 1
    db.session.flush()
    recount([collection.id])
    return added


def remove_product(collection: Collection, product_id: int) -> None:
    if collection.is_automated:
        raise CatalogError("collection", _l("Products leave an automated collection by its conditions."))
    db.session.execute(delete(CollectionProduct).where(
        CollectionProduct.collection_id == collection.id, CollectionProduct.product_id == product_id
    ))
    recount([collection.id])


def reorder(collection: Collection, product_ids) -> None:
    """Set a manual collection's order; products not named keep their relative order after those named."""
    rows = list(db.session.scalars(
        select(CollectionProduct).where(CollectionProduct.collection_id == collection.id)
        .order_by(CollectionProduct.position, CollectionProduct.id)
    ))
    by_product = {row.product_id: row for row in rows}
    wanted = [i for i in map(parse_id, product_ids) if i in by_product]
    ordered = [by_product[i] for i in dict.fromkeys(wanted)] + [r for r in rows if r.product_id not in wanted]
    for position, row in enumerate(ordered):
        row.position = position
    db.session.flush()


def products_in(collection: Collection, limit: int | None = None, with_images: bool = False) -> list[Product]:
    """The collection's products in its order; with_images loads their images in one more query."""
    from sqlalchemy.orm import selectinload

    statement = (
        select(Product).join(CollectionProduct, CollectionProduct.product_id == Product.id)
        .where(CollectionProduct.collection_id == collection.id)
        .order_by(CollectionProduct.position, Product.created_at.desc())
    )
    if with_images:
        statement = statement.options(selectinload(Product.images))
    if limit:
        statement = statement.limit(limit)
    return list(db.session.scalars(statement))


def delete_collection(collection: Collection) -> None:
    from saas.catalog.models import SlugRedirect

    db.session.execute(delete(CollectionProduct).where(CollectionProduct.collection_id == collection.id))
    db.session.execute(delete(SlugRedirect).where(SlugRedirect.kind == "collection", SlugRedirect.target_id == collection.id))
    db.session.delete(collection)
    db.session.flush()


def all_collections() -> list[Collection]:
    return list(db.session.scalars(select(Collection).order_by(Collection.title)))


def set_manual_collections(product: Product, collection_ids) -> None:
    """Put the product in exactly these manual collections (added at the end); automated ones are not touched."""
    wanted = {i for i in map(parse_id, collection_ids) if i is not None}
    manual = list(db.session.scalars(select(Collection).where(Collection.kind == CollectionKind.MANUAL)))
    current = set(collections_of(product))
    for collection in manual:
        if collection.id in wanted and collection.id not in current:
            add_products(collection, [product.id])
        elif collection.id not in wanted and collection.id in current:
            remove_product(collection, product.id)
