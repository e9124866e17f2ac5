"""The shopper's storefront on <slug>.PLATFORM_HOST (and custom domains). Themes replace these pages later."""
from flask import abort, g, redirect, render_template, url_for
from sqlalchemy import select

from saas.catalog import collections
from saas.catalog import services as catalog
from saas.catalog.models import Collection, Product, ProductStatus
from saas.extensions import db
from saas.routing import HostBlueprint
from saas.tenants import settings as store_settings

bp = HostBlueprint("storefront", __name__)


@bp.get("/")
def home():
    return render_template("storefront/home.html", tenant=g.tenant, logo=store_settings.logo(g.tenant),
                           products=catalog.visible_products(), collections=collections.all_collections())


@bp.get("/products/<slug>")
def product(slug):
    found = catalog.visible_product(slug)
    if found is None:
        moved_to = catalog.redirect_target("product", slug)
        target = db.session.scalar(select(Product).where(Product.id == moved_to)) if moved_to else None
        if target is not None and target.status == ProductStatus.ACTIVE:
            return redirect(url_for("storefront.product", slug=target.slug), 301)
        abort(404)
    return render_template("storefront/product.html", tenant=g.tenant, logo=store_settings.logo(g.tenant),
                           product=found)


@bp.get("/collections/<slug>")
def collection(slug):
    found = db.session.scalar(select(Collection).where(Collection.slug == slug))
    if found is None:
        moved_to = catalog.redirect_target("collection", slug)
        target = db.session.scalar(select(Collection).where(Collection.id == moved_to)) if moved_to else None
        if target is not None:
            return redirect(url_for("storefront.collection", slug=target.slug), 301)
        abort(404)
    products = [p for p in collections.products_in(found, with_images=True) if p.status == ProductStatus.ACTIVE]
    return render_template("storefront/collection.html", tenant=g.tenant, logo=store_settings.logo(g.tenant),
                           collection=found, products=products)
