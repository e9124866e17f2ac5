"""SEO helpers: JSON-LD that merchant text can't break out of, prices in major units, sitemap, robots, descriptions."""
import json
import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta, timezone
from types import SimpleNamespace

import pytest
from markupsafe import Markup

from saas.storefront import seo

HOSTILE = '</script><script>alert("x")</script> {{ config }} {% raw %} \'quote\' "dq" & <!-- \u2028'
NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}


def variant(price=150_000_00, stock=5, track_stock=True, allow_backorder=False, sku=None, barcode=""):
    return SimpleNamespace(price=price, stock=stock, track_stock=track_stock, allow_backorder=allow_backorder,
                           sku=sku, barcode=barcode)


def product(variants=None, **fields):
    values = dict(title="Kemeja Batik", description_html="<p>Katun <b>halus</b>.</p>", seo_description="",
                  vendor="Omah Laweyan", price_min=150_000_00, stock_state="in_stock",
                  variants=variants if variants is not None else [variant(sku="KMJ-1")])
    values.update(fields)
    return SimpleNamespace(**values)


def tenant(currency="IDR", name="Batik Sari"):
    return SimpleNamespace(name=name, currency=currency)


def script_payload(markup) -> dict:
    match = re.fullmatch(r'<script type="application/ld\+json">(.*)</script>', str(markup), re.DOTALL)
    assert match, markup
    return json.loads(match.group(1))


def test_single_variant_is_an_offer_with_the_price_in_rupiah():
    data = seo.product_jsonld(product(), tenant(), "https://batik-sari.etalase.test/products/kemeja-batik",
                              ["https://cdn.test/a.jpg"])
    assert data["@type"] == "Product" and data["@context"] == "https://schema.org"
    assert data["name"] == "Kemeja Batik" and data["description"] == "Katun halus."
    assert data["image"] == ["https://cdn.test/a.jpg"] and data["sku"] == "KMJ-1"
    assert data["brand"] == {"@type": "Brand", "name": "Omah Laweyan"}
    offer = data["offers"]
    assert offer["@type"] == "Offer" and offer["price"] == "150000" and offer["priceCurrency"] == "IDR"
    assert offer["availability"] == "https://schema.org/InStock"


@pytest.mark.parametrize("minor, currency, expected", [
    (150_000_00, "IDR", "150000"),
    (150_000_50, "IDR", "150000.50"),
    (1250, "USD", "12.50"),
    (5, "USD", "0.05"),
    (0, "SGD", "0.00"),
    (1500, "JPY", "1500"),
])
def test_prices_are_decimal_strings_in_the_major_unit(minor, currency, expected):
    assert seo.price_string(minor, currency) == expected


def test_several_variants_make_an_aggregate_offer():
    variants = [variant(price=100_000_00, stock=0), variant(price=175_000_00, stock=2), variant(price=120_000_00)]
    data = seo.product_jsonld(product(variants), tenant(), "https://x.test/products/k", [])
    offer = data["offers"]
    assert offer["@type"] == "AggregateOffer" and offer["offerCount"] == 3
    assert (offer["lowPrice"], offer["highPrice"]) == ("100000", "175000")
    assert offer["availability"] == "https://schema.org/InStock"
    assert "image" not in data and "sku" not in data


@pytest.mark.parametrize("variants, expected", [
    ([variant(stock=0)], "OutOfStock"),
    ([variant(stock=0), variant(stock=0)], "OutOfStock"),
    ([variant(stock=0, allow_backorder=True)], "BackOrder"),
    ([variant(stock=0), variant(stock=0, allow_backorder=True)], "BackOrder"),
    ([variant(stock=0), variant(stock=1)], "InStock"),
    ([variant(stock=0, track_stock=False)], "InStock"),
])
def test_availability_follows_the_variants(variants, expected):
    data = seo.product_jsonld(product(variants), tenant(), "https://x.test/p", [])
    assert data["offers"]["availability"] == f"https://schema.org/{expected}"


def test_availability_without_variants_falls_back_to_the_stock_state():
    assert seo.product_availability(product([], stock_state="out")) == "https://schema.org/OutOfStock"
    assert seo.product_availability(product([], stock_state="untracked")) == "https://schema.org/InStock"


def test_seo_description_wins_and_no_vendor_means_no_brand():
    data = seo.product_jsonld(product(seo_description="Kemeja untuk kantor", vendor=""), tenant(), "u", [])
    assert data["description"] == "Kemeja untuk kantor" and "brand" not in data


def test_a_numeric_barcode_becomes_a_gtin():
    data = seo.product_jsonld(product([variant(barcode="8991234567890")]), tenant(), "u", [])
    assert data["gtin13"] == "8991234567890"
    data = seo.product_jsonld(product([variant(barcode="ABC")]), tenant(), "u", [])
    assert not any(key.startswith("gtin") for key in data)


def test_hostile_merchant_text_cannot_leave_the_script_element():
    data = seo.product_jsonld(product(title=HOSTILE, vendor=HOSTILE, description_html=HOSTILE), tenant(name=HOSTILE),
                              "https://x.test/p?a=1&b=<2>", [])
    markup = seo.jsonld_script(data)
    assert isinstance(markup, Markup)
    inner = str(markup).removeprefix('<script type="application/ld+json">').removesuffix("</script>")
    assert "<" not in inner and ">" not in inner and "&" not in inner and "\u2028" not in inner
    assert str(markup).count("</script>") == 1
    decoded = script_payload(markup)
    assert decoded["name"] == HOSTILE and decoded["brand"]["name"] == HOSTILE
    assert decoded["offers"]["url"] == "https://x.test/p?a=1&b=<2>"
    assert "{{ config }}" in decoded["name"]  # data, never a template


def test_jsonld_script_in_a_jinja_template_is_not_escaped_twice(app):
    from flask import render_template_string

    with app.app_context():
        out = render_template_string("{{ s }}", s=seo.jsonld_script({"name": "A & B"}))
    assert out == '<script type="application/ld+json">{"name":"A \\u0026 B"}</script>'


def test_organization_and_breadcrumbs():
    org = seo.organization_jsonld(tenant(), "https://batik-sari.test/", "https://cdn.test/logo.png")
    assert org == {"@context": "https://schema.org", "@type": "Organization", "name": "Batik Sari",
                   "url": "https://batik-sari.test/", "logo": "https://cdn.test/logo.png"}
    assert "logo" not in seo.organization_jsonld(tenant(), "https://batik-sari.test/", None)
    crumbs = seo.breadcrumbs_jsonld([("Beranda", "https://s.test/"), (HOSTILE, "https://s.test/collections/x")])
    assert crumbs["@type"] == "BreadcrumbList"
    assert [(i["position"], i["name"], i["item"]) for i in crumbs["itemListElement"]] == [
        (1, "Beranda", "https://s.test/"), (2, HOSTILE, "https://s.test/collections/x")]
    assert seo.breadcrumbs_jsonld([])["itemListElement"] == []


def item(slug, updated_at):
    return SimpleNamespace(slug=slug, updated_at=updated_at)


def test_sitemap_lists_every_url_with_lastmod_and_escapes():
    when = datetime(2026, 3, 1, 8, 30, tzinfo=UTC)
    wib = timezone(timedelta(hours=7))
    xml = seo.sitemap_xml(
        "https://batik-sari.etalase.test/",
        products=[item("kemeja-batik", when), item("a&b<c>\"'", when)],
        collections=[item("baru", datetime(2026, 3, 2, 15, 0, tzinfo=wib))],
        pages=[item("tentang kami", None)],
    )
    assert xml.startswith('<?xml version="1.0" encoding="UTF-8"?>')
    root = ET.fromstring(xml.encode())
    urls = {u.find("s:loc", NS).text: getattr(u.find("s:lastmod", NS), "text", None) for u in root.findall("s:url", NS)}
    assert urls == {
        "https://batik-sari.etalase.test/": "2026-03-02T08:00:00+00:00",
        "https://batik-sari.etalase.test/products/kemeja-batik": "2026-03-01T08:30:00+00:00",
        "https://batik-sari.etalase.test/products/a%26b%3Cc%3E%22%27": "2026-03-01T08:30:00+00:00",
        "https://batik-sari.etalase.test/collections/baru": "2026-03-02T08:00:00+00:00",
        "https://batik-sari.etalase.test/pages/tentang%20kami": None,
    }


def test_sitemap_escapes_the_base_url_and_handles_an_empty_store():
    xml = seo.sitemap_xml("https://s.test/?a=1&b=2", [], [], [])
    root = ET.fromstring(xml.encode())
    assert [u.find("s:loc", NS).text for u in root.findall("s:url", NS)] == ["https://s.test/?a=1&b=2/"]
    assert "&amp;" in xml


def test_robots_txt():
    robots = seo.robots_txt("https://batik-sari.etalase.test/")
    lines = robots.splitlines()
    assert lines[:2] == ["User-agent: *", "Allow: /"]
    for path in ("/cart", "/checkout", "/account", "/search"):
        assert f"Disallow: {path}" in lines
    assert "Sitemap: https://batik-sari.etalase.test/sitemap.xml" in lines
    assert "Disallow: /\n" not in robots


@pytest.mark.parametrize("given, expected", [
    ("<p>Katun   <strong>halus</strong>,\n lengan panjang.</p>", "Katun halus, lengan panjang."),
    ("Kopi &amp; teh &lt;3", "Kopi & teh <3"),
    ("<script>alert('x')</script><style>p{}</style>Aman", "Aman"),
    ("<!-- rahasia -->Terlihat", "Terlihat"),
    ("", ""),
    (None, ""),
    ("{{ config }} </script>", "{{ config }}"),
])
def test_meta_description_is_plain_text(given, expected):
    assert seo.meta_description(given) == expected


def test_meta_description_cuts_at_a_word_boundary():
    text = " ".join(["batik"] * 60)  # 359 characters
    cut = seo.meta_description(text)
    assert len(cut) <= 160 and cut.endswith("batik…") and "batik batik" in cut
    assert seo.meta_description("kemeja batik tulis", limit=14) == "kemeja batik…"
    assert seo.meta_description("x" * 400, limit=20) == "x" * 19 + "…"  # one long word: cut inside it
    assert seo.meta_description("pendek", limit=160) == "pendek"
    assert seo.meta_description("<p>" + "é " * 200 + "</p>", limit=10) == "é é é é é…"
