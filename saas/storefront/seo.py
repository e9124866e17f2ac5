"""Search-engine helpers for the storefront: schema.org JSON-LD, the sitemap, robots.txt and meta descriptions.

Pure functions of what they are given (no queries, no request): views and templates pass in the objects and
absolute URLs. Merchant text goes into JSON-LD as data and leaves through jsonld_script(), which escapes
`<`, `>` and `&` so that no product title can close the <script> element.
"""
import html
import json
import re
from datetime import UTC, datetime
from decimal import Decimal
from urllib.parse import quote
from xml.sax.saxutils import escape as xml_escape

from markupsafe import Markup

from saas.money import NO_DECIMALS, minor_factor

SCHEMA = "https://schema.org"
IN_STOCK = f"{SCHEMA}/InStock"
OUT_OF_STOCK = f"{SCHEMA}/OutOfStock"
BACK_ORDER = f"{SCHEMA}/BackOrder"
DESCRIPTION_LIMIT = 5000  # of a JSON-LD description
DISALLOWED = ("/cart", "/checkout", "/account", "/search", "/recommendations")

_DROPPED_ELEMENTS = re.compile(r"<(script|style|template)\b[^>]*>.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_TAG = re.compile(r"<[^>]*>")
# Tags that separate words; inline ones (<b>, <a>, <span>) are removed without a space ("<b>halus</b>," stays "halus,").
_BREAKING_TAG = re.compile(
    r"</?(p|br|hr|div|li|ul|ol|h[1-6]|blockquote|table|thead|tbody|tr|td|th|section|article|header|footer|img)\b[^>]*>",
    re.IGNORECASE,
)
_SPACE = re.compile(r"\s+")


# Text


def plain_text(text_or_html: str | None) -> str:
    """Text without markup: elements that hold no prose dropped, tags removed, entities decoded, spaces collapsed."""
    text = _COMMENT.sub(" ", _DROPPED_ELEMENTS.sub(" ", text_or_html or ""))
    text = html.unescape(_TAG.sub("", _BREAKING_TAG.sub(" ", text)))
    return _SPACE.sub(" ", text).strip()


def meta_description(text_or_html: str | None, limit: int = 160) -> str:
    """Plain text for <meta name="description">: at most `limit` characters, cut at a word boundary with "…"."""
    text = plain_text(text_or_html)
    if len(text) <= limit:
        return text
    if limit <= 1:
        return text[:limit]
    cut = text[:limit - 1]  # room for the ellipsis
    if not text[limit - 1].isspace() and " " in cut:
        head = cut.rsplit(" ", 1)[0]
        if len(head) >= limit // 2:  # one very long word: better cut inside it than keep almost nothing
            cut = head
    return cut.rstrip(" ,;:-–—.") + "…"


# Money and stock


def price_string(minor: int, currency: str) -> str:
    """Minor units as a decimal string in the major unit: 15000000 IDR → "150000", 1250 USD → "12.50"."""
    factor = minor_factor(currency)
    places = len(str(factor)) - 1
    value = Decimal(int(minor)) / factor
    if currency in NO_DECIMALS and value == value.to_integral_value():
        return str(int(value))
    return f"{value:.{places}f}"


def variant_availability(variant) -> str:
    if not variant.track_stock or variant.stock > 0:
        return IN_STOCK
    return BACK_ORDER if variant.allow_backorder else OUT_OF_STOCK


def product_availability(product, variants=None) -> str:
    """InStock when any variant can be bought now, BackOrder when one can be ordered, otherwise OutOfStock."""
    variants = list(product.variants if variants is None else variants)
    if not variants:
        state = str(getattr(product, "stock_state", "") or "")
        return OUT_OF_STOCK if state == "out" else IN_STOCK
    found = {variant_availability(v) for v in variants}
    for availability in (IN_STOCK, BACK_ORDER):
        if availability in found:
            return availability
    return OUT_OF_STOCK


# JSON-LD


def product_jsonld(product, tenant, url: str, image_urls: list[str]) -> dict:
    """A schema.org Product: one Offer for a single variant, an AggregateOffer (low/high price) for several."""
    currency = tenant.currency
    variants = list(product.variants)
    data = {
        "@context": SCHEMA,
        "@type": "Product",
        "name": product.title,
        "url": url,
    }
    description = meta_description(product.seo_description or product.description_html, DESCRIPTION_LIMIT)
    if description:
        data["description"] = description
    if image_urls:
        data["image"] = list(image_urls)
    if product.vendor:
        data["brand"] = {"@type": "Brand", "name": product.vendor}
    skus = [v.sku for v in variants if v.sku]
    if len(variants) == 1 and skus:
        data["sku"] = skus[0]
    barcode = variants[0].barcode if len(variants) == 1 else ""
    if barcode and barcode.isdigit() and len(barcode) in (8, 12, 13, 14):
        data[f"gtin{len(barcode)}"] = barcode
    prices = [v.price for v in variants] or [product.price_min]
    low, high = min(prices), max(prices)
    availability = product_availability(product, variants)
    seller = {"@type": "Organization", "name": tenant.name}
    if len(variants) <= 1:
        data["offers"] = {
            "@type": "Offer",
            "url": url,
            "price": price_string(low, currency),
            "priceCurrency": currency,
            "availability": availability,
            "itemCondition": f"{SCHEMA}/NewCondition",
            "seller": seller,
        }
    else:
        data["offers"] = {
            "@type": "AggregateOffer",
            "url": url,
            "lowPrice": price_string(low, currency),
            "highPrice": price_string(high, currency),
            "priceCurrency": currency,
            "offerCount": len(variants),
            "availability": availability,
            "seller": seller,
        }
    return data


def organization_jsonld(tenant, url: str, logo_url: str | None = None) -> dict:
    data = {"@context": SCHEMA, "@type": "Organization", "name": tenant.name, "url": url}
    if logo_url:
        data["logo"] = logo_url
    return data


def breadcrumbs_jsonld(items: list[tuple[str, str]]) -> dict:
    """A BreadcrumbList from (name, absolute url) pairs, outermost first."""
    return {
        "@context": SCHEMA,
        "@type": "BreadcrumbList",
        "itemListElement": [
            {"@type": "ListItem", "position": position, "name": name, "item": url}
            for position, (name, url) in enumerate(items, start=1)
        ],
    }


def jsonld_script(data) -> Markup:
    """<script type="application/ld+json"> holding `data`; no string in it can end the element or open another.

    JSON allows `\\u003c` wherever `<` may stand (only inside strings), so the data reads back unchanged.
    """
    encoded = json.dumps(data, ensure_ascii=False, separators=(",", ":"), default=str)
    encoded = (encoded.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")
               .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))
    return Markup(f'<script type="application/ld+json">{encoded}</script>')


# Sitemap and robots


def _lastmod(value) -> str | None:
    if not isinstance(value, datetime):
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00")


def _url_entry(loc: str, updated_at=None) -> str:
    lastmod = updated_at if isinstance(updated_at, str) else _lastmod(updated_at)
    parts = [f"<loc>{xml_escape(loc)}</loc>"]
    if lastmod:
        parts.append(f"<lastmod>{lastmod}</lastmod>")
    return "<url>" + "".join(parts) + "</url>"


def sitemap_xml(base_url: str, products, collections, pages) -> str:
    """The sitemaps.org XML for the home page and every product, collection and page given (the caller filters).

    Slugs are percent-encoded and the URLs XML-escaped; lastmod comes from updated_at, in UTC.
    """
    base = base_url.rstrip("/")
    groups = (("products", list(products)), ("collections", list(collections)), ("pages", list(pages)))
    stamps = [_lastmod(item.updated_at) for _, items in groups for item in items]
    newest = max((stamp for stamp in stamps if stamp), default=None)  # one format, all UTC: sorts as text
    entries = [_url_entry(f"{base}/", newest)]
    for prefix, items in groups:
        for item in items:
            entries.append(_url_entry(f"{base}/{prefix}/{quote(str(item.slug), safe='')}", item.updated_at))
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
            + "".join(f"  {entry}\n" for entry in entries)
            + "</urlset>\n")


def robots_txt(base_url: str) -> str:
    """Crawl everything but the personal and infinite pages; point at the sitemap."""
    lines = ["User-agent: *", "Allow: /"]
    lines += [f"Disallow: {path}" for path in DISALLOWED]
    lines += ["", f"Sitemap: {base_url.rstrip('/')}/sitemap.xml", ""]
    return "\n".join(lines)
