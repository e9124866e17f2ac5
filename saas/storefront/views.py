"""The shopper's storefront on <slug>.PLATFORM_HOST (and custom domains), rendered by the store's theme."""
import os

from flask import abort, g, redirect, request, send_file, url_for
from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy import select
from werkzeug.security import safe_join

from saas.catalog import collections as catalog_collections
from saas.catalog import product_page
from saas.catalog import services as catalog
from saas.catalog.models import Collection, Product, ProductStatus
from saas.content import services as content
from saas.extensions import csrf, db
from saas.routing import HostBlueprint
from saas.storage.images import media_url
from saas.storefront import frame, listing, look, seo, themes, transactions

bp = HostBlueprint("storefront", __name__)
bp.before_request(transactions.begin_read_only_page)
bp.teardown_request(transactions.end_read_only_transaction)


def _render(page_type: str, status: int = 200, **context):
    tenant = g.tenant
    context.setdefault("page_title", tenant.name)
    if "page_description" not in context:  # not setdefault(), here and below: the default costs something
        context["page_description"] = _("Shop online at %(name)s.", name=tenant.name)
    if "canonical_url" not in context:
        context["canonical_url"] = request.base_url
    token = request.args.get("preview")
    preview_look = look.look_for_preview(token, tenant.id) if token else None
    menus = frame.menus()
    g.promotion_badges = frame.badges(tenant.currency)
    html = look.render_page(page_type, {
        "promotion_badges": g.promotion_badges,
        "tenant": tenant, "store_logo": frame.picture(tenant.logo_media_id), "main_menu": menus["main"],
        "footer_menu": menus["footer"], "featured_products": listing.Lazy(lambda: catalog.visible_products(8)),
        **context,
    }, look=preview_look or frame.published_look(), preview=preview_look is not None, remember=frame.remembered)
    headers = {"Content-Type": "text/html; charset=utf-8"}
    if preview_look is not None:
        headers.update({"Cache-Control": "no-store", "X-Robots-Tag": "noindex"})
    return html, status, headers


@bp.get("/")
def home():
    logo = frame.picture(g.tenant.logo_media_id)
    organization = seo.organization_jsonld(g.tenant, url_for("storefront.home", _external=True),
                                           _absolute(media_url(logo, 480)) if logo else None)
    return _render("home", og_type="website", subscribed=request.args.get("subscribed", ""),
                   jsonld=seo.jsonld_script(organization))


@bp.get("/products/<slug>")
def product(slug):
    found = product_page.product_for_page(slug)
    if found is None:
        moved_to = catalog.redirect_target("product", slug)
        target = db.session.scalar(select(Product).where(Product.id == moved_to)) if moved_to else None
        if target is not None and target.status == ProductStatus.ACTIVE:
            return redirect(url_for("storefront.product", slug=target.slug), 301)
        return not_found()
    variant = listing.chosen_variant(found, request.args)
    url = url_for("storefront.product", slug=found.slug, _external=True)
    host_url = request.host_url  # worked out afresh on each read: once for all the images
    images = [_absolute(media_url(image.media, 960), host_url) for image in found.images]
    trail = [(g.tenant.name, url_for("storefront.home", _external=True)),
             (_("All products"), url_for("storefront.collection", slug="all", _external=True)), (found.title, url)]
    jsonld = seo.jsonld_script(seo.product_jsonld(found, g.tenant, url, images)) + seo.jsonld_script(
        seo.breadcrumbs_jsonld(trail))
    available = catalog.can_sell(variant)
    gettext = look.bound_gettext()
    return _render(
        "product", product=found, variant=variant, available=available,
        availability=listing.availability_text(variant, g.tenant, gettext),
        variants_json=Markup(listing.variants_json(found, g.tenant, gettext)), related=listing.RelatedLater(),
        page_title=f"{found.seo_title or found.title} · {g.tenant.name}",
        page_description=seo.meta_description(found.seo_description or found.description_html or found.title),
        canonical_url=url, og_type="product", og_image=images[0] if images else None, jsonld=jsonld,
    )


@bp.get("/recommendations/products")
def recommendations():
    """A product page's related-products section on its own, which store.js fetches once the page has loaded."""
    product_id = catalog.visible_product_id(request.args.get("product_id", ""))
    token = request.args.get("preview")
    preview_look = look.look_for_preview(token, g.tenant.id) if token else None
    html = None
    if product_id is not None:
        g.promotion_badges = frame.badges(g.tenant.currency)
        html = look.render_section(
            "product", request.args.get("section_id", ""), "related-products",
            {"tenant": g.tenant, "promotion_badges": g.promotion_badges, "related": listing.RelatedCards(product_id)},
            look=preview_look or frame.published_look(), preview=preview_look is not None)
    headers = {"Content-Type": "text/html; charset=utf-8", "X-Robots-Tag": "noindex"}
    if preview_look is not None:
        headers["Cache-Control"] = "no-store"
    return (html, 200, headers) if html is not None else ("", 404, headers)


@bp.get("/collections/<slug>")
def collection(slug):
    if slug == "all":
        found = listing.AllProducts(_("All products"))
        filter_options, filter_vendors = listing.filter_choices()
    else:
        shown = listing.collection_for_page(slug)
        if shown is None:
            moved_to = catalog.redirect_target("collection", slug)
            target = db.session.scalar(select(Collection).where(Collection.id == moved_to)) if moved_to else None
            if target is not None:
                return redirect(url_for("storefront.collection", slug=target.slug), 301)
            return not_found()
        found, (filter_options, filter_vendors) = shown
    filters = listing.CollectionFilters.from_args(request.args, g.tenant)
    page = listing.collection_page(found, filters, request.args.get("page"))
    return _render(
        "collection", collection=found, filters=filters, page=page,
        sort_options=listing.sort_options(look.bound_gettext()),
        filter_options=filter_options, filter_vendors=filter_vendors,
        page_url=lambda n: url_for("storefront.collection", slug=slug, **{**filters.as_args(), "page": n}),
        page_title=f"{found.seo_title or found.title} · {g.tenant.name}",
        page_description=seo.meta_description(found.seo_description or found.description_html or found.title),
        canonical_url=url_for("storefront.collection", slug=slug, _external=True),
    )


@bp.get("/pages/<slug>")
def page(slug):
    found = content.page_by_slug(slug)
    if found is None:
        return not_found()
    return _render("page", page=found, page_title=f"{found.seo_title or found.title} · {g.tenant.name}",
                   page_description=seo.meta_description(found.seo_description or found.body_html or found.title),
                   canonical_url=url_for("storefront.page", slug=found.slug, _external=True))


@bp.get("/search")
def search():
    query = (request.args.get("q") or "").strip()[:200]
    results, total, suggestion = listing.search(query)
    return _render("search", search_query=query, results=results, total=total, suggestion=suggestion,
                   page_title=_("Search") + f" · {g.tenant.name}")


@bp.post("/newsletter")
@csrf.exempt  # the signup form sits on cached pages: SameSite=Lax and the Origin check guard it instead
def newsletter():
    if not _same_origin():
        abort(403)
    subscribed = look.subscribe(request.form.get("email", ""))
    db.session.commit()
    back = url_for("storefront.home", subscribed="1" if subscribed else "0")
    return redirect(f"{back}#newsletter", 303)


def _same_origin() -> bool:
    """Low-risk storefront posts carry no CSRF token (pages are cached); SameSite=Lax plus this check guard them."""
    origin = request.headers.get("Origin") or request.headers.get("Referer") or ""
    return not origin or origin.split("://", 1)[-1].split("/", 1)[0] == request.host


@bp.get("/theme-assets/<theme>/<path:path>")
def theme_asset(theme, path):
    chosen = themes.themes().get(theme)
    if chosen is None:
        abort(404)
    for folder in chosen.chain:
        candidate = safe_join(str(folder / "static"), path)
        if candidate and os.path.isfile(candidate):
            response = send_file(candidate, max_age=31536000)
            response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
            return response
    abort(404)


@bp.get("/sitemap.xml")
def sitemap():
    base = url_for("storefront.home", _external=True).rstrip("/")
    products = db.session.scalars(select(Product).where(Product.status == ProductStatus.ACTIVE)
                                  .order_by(Product.id).limit(50000))
    xml = seo.sitemap_xml(base, list(products), catalog_collections.all_collections(),
                          [p for p in content.all_pages() if p.published])
    return xml, 200, {"Content-Type": "application/xml; charset=utf-8"}


@bp.get("/robots.txt")
def robots():
    return seo.robots_txt(url_for("storefront.home", _external=True).rstrip("/")), 200, {
        "Content-Type": "text/plain; charset=utf-8"}


def _absolute(url: str | None, host_url: str | None = None) -> str | None:
    if not url or url.startswith("http"):
        return url
    return (host_url or request.host_url).rstrip("/") + url


def not_found():
    return _render("404", status=404, page_title=_("Page not found") + f" · {g.tenant.name}")


from saas.storefront import shop  # noqa: E402,F401  (the cart and checkout routes, on this blueprint)
from saas.storefront import accounts  # noqa: E402,F401  (the shopper's account routes, on this blueprint)
