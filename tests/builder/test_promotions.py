"""Discounts in the builder, through HTTP: the list with its filters and stats, the editor for every kind and
its validation, the actions (turn on and off, duplicate, delete, batches of codes, the CSV), and that nothing
reaches another store's discounts, products or collections."""
import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from saas.promotions.models import TargetRole
from tests.accounts.pages import error_fields, field_error, parse, value
from tests.promotions.factories import add_usage, all_discounts, load_discount, make_collection, make_discount

BASE = "/stores/batik-sari/discounts"


def form(**fields) -> dict:
    """The editor's fields as a browser without JavaScript posts them, for a 10% code discount."""
    data = {"title": "Ramadan", "method": "code", "code": "RAMADAN10", "batch_count": "", "batch_prefix": "",
            "kind": "percentage", "percentage": "10", "amount": "", "buy_quantity": "", "get_quantity": "",
            "get_percentage": "100", "gets": "same", "scope": "order", "min_subtotal": "", "min_quantity": "",
            "usage_limit": "", "per_customer_limit": "", "per_code_limit": "", "starts_at": "", "ends_at": ""}
    for index in range(4):
        data.update({f"tiers-{index}-min_subtotal": "", f"tiers-{index}-amount": ""})
    for name in ("product_ids", "collection_ids", "get_product_ids", "get_collection_ids"):
        data[f"q_{name}"] = ""
    data.update(fields)
    return data


def text(response) -> str:
    """The page's HTML, with no-break spaces as plain ones (Babel puts them inside amounts)."""
    return response.get_data(as_text=True).replace("\xa0", " ")


def checked(response, name: str) -> list[str]:
    return [attrs.get("value") for tag, attrs in parse(response).tags
            if tag == "input" and attrs.get("name") == name and "checked" in attrs]


def checkbox_values(response, name: str) -> list[str]:
    return [attrs.get("value") for tag, attrs in parse(response).tags
            if tag == "input" and attrs.get("name") == name]


@pytest.fixture
def owner(create_user):
    return create_user(name="Dewi Lestari")


@pytest.fixture
def store(client, owner, create_store, login):
    tenant = create_store(owner=owner, name="Batik Sari", slug="batik-sari", locale="id", timezone="Asia/Jakarta")
    login(client, owner)
    return tenant


@pytest.fixture
def other(create_store):
    return create_store(name="Kopi Kenangan", slug="kopi-kenangan")


def count(app, tenant) -> int:
    return len(all_discounts(app, tenant))


# The list


def test_an_empty_store_is_invited_to_create_one(client, store):
    html = text(client.get(BASE))
    assert "No discounts yet" in html and f'href="{BASE}/new"' in html and html.count("<h1") == 1


def test_the_list_shows_code_summary_method_state_uses_and_sales(client, app, store, create_product):
    shirt = create_product(store, title="Kemeja")
    ramadan = make_discount(app, store, title="Ramadan", codes=["RAMADAN10"], usage_limit=100, min_subtotal=10_000_000)
    make_discount(app, store, title="Beli 2 gratis 1", method="automatic", kind="buy_x_get_y", buy_quantity=2,
                  get_quantity=1, scope="products", targets=[(TargetRole.APPLIES, "product_id", shirt.id)])
    make_discount(app, store, title="Hemat", codes=["HEMAT"], kind="tiered",
                  tiers=[{"min_subtotal": 50_000_000, "amount": 5_000_000}])
    make_discount(app, store, title="Voucher", codes=["V-1", "V-2", "V-3"], kind="fixed", amount=2_500_000,
                  starts_at=datetime.now(UTC) + timedelta(days=2))
    add_usage(app, store, ramadan, order_total=450_000_00)
    add_usage(app, store, ramadan, order_total=150_000_00)

    html = text(client.get(BASE))
    assert "4 discounts" in html and html.count("<tr>") == 5
    assert html.index("Voucher") < html.index("Ramadan")  # newest first
    row = html[html.index("Ramadan"):html.index("</tr>", html.index("Ramadan"))]
    for words in ("RAMADAN10", "10% off entire order", "Minimum purchase IDR 100,000", "Discount code", "Active",
                  "2 / 100", "IDR 600,000"):
        assert words in row, words
    assert "Buy 2 get 1 free" in html and "Automatic" in html
    assert "Spend IDR 500,000, save IDR 50,000" in html
    assert "3 codes" in html and "Scheduled" in html and "IDR 25,000 off entire order" in html
    assert f'href="{BASE}/{ramadan}"' in html


def test_the_list_filters_by_state_and_method_and_searches_titles_and_codes(client, app, store):
    now = datetime.now(UTC)
    make_discount(app, store, title="Ramadan", codes=["RAMADAN10"])
    make_discount(app, store, title="Gratis ongkir", method="automatic", kind="free_shipping")
    make_discount(app, store, title="Merdeka", codes=["MERDEKA45"], ends_at=now - timedelta(days=1))
    make_discount(app, store, title="Imlek", codes=["IMLEK"], enabled=False)
    make_discount(app, store, title="Natal", codes=["NATAL"], starts_at=now + timedelta(days=30))
    make_discount(app, store, title="Habis", codes=["HABIS"], usage_limit=1, times_used=1)
    titles = ("Ramadan", "Gratis ongkir", "Merdeka", "Imlek", "Natal", "Habis")

    def found(query=""):
        html = text(client.get(f"{BASE}?{query}"))
        return sorted(t for t in titles if f">{t}</a>" in html)

    assert found() == sorted(titles)
    assert found("state=active") == ["Gratis ongkir", "Ramadan"]
    assert found("state=expired") == ["Merdeka"]
    assert found("state=disabled") == ["Imlek"]
    assert found("state=scheduled") == ["Natal"]
    assert found("state=used_up") == ["Habis"]
    assert found("method=automatic") == ["Gratis ongkir"]
    assert found("method=code&state=active") == ["Ramadan"]
    assert found("q=merdeka") == ["Merdeka"]  # a title, in any case
    assert found("q=damn") == []
    assert found("q=adan1") == ["Ramadan"]  # part of a code, typed in lower case
    assert found("q=imlek&state=nonsense&method=other") == ["Imlek"]  # unknown filters are dropped
    assert "No discounts match these filters." in text(client.get(f"{BASE}?q=zzz"))


def test_the_list_takes_the_same_queries_for_many_rows(client, app, store, count_queries):
    first = make_discount(app, store, title="A", codes=["A1"])
    add_usage(app, store, first, order_total=100_000_00)
    client.get(BASE)  # warm up (the login's session, caches)
    with count_queries() as few:
        assert client.get(BASE).status_code == 200
    for n in range(6):
        made = make_discount(app, store, title=f"B{n}", codes=[f"B{n}-1", f"B{n}-2"])
        add_usage(app, store, made, order_total=50_000_00)
    with count_queries() as many:
        html = text(client.get(BASE))
    assert "7 discounts" in html and "IDR 50,000" in html
    assert len(many) == len(few)


# Creating, with every kind


def test_create_a_percentage_code_discount(client, app, store):
    response = client.post(f"{BASE}/new", data=form(title="", code=" ramadan 10 ", percentage="12,5",
                                                     usage_limit="100", per_customer_limit="1",
                                                     min_subtotal="100.000", combinable="y",
                                                     starts_at="2025-03-01T09:00", ends_at="2025-03-31T23:59"))
    assert response.status_code == 302
    [discount] = all_discounts(app, store)
    assert response.headers["Location"] == f"{BASE}/{discount.id}"
    stored, codes = load_discount(app, store, discount.id)
    assert codes == ["RAMADAN10"] and stored.title == "RAMADAN10"
    assert (stored.percentage_bp, stored.usage_limit, stored.per_customer_limit, stored.min_subtotal) == (
        1250, 100, 1, 10_000_000)
    assert stored.combinable is True and stored.enabled is True
    # The times were typed in the store's time zone (UTC+7).
    assert stored.starts_at == datetime(2025, 3, 1, 2, 0, tzinfo=UTC)
    assert stored.ends_at == datetime(2025, 3, 31, 16, 59, tzinfo=UTC)

    page = client.get(response.headers["Location"])
    # Shown in the store's language (Indonesian), like the amounts beside it; both separators read back.
    assert value(page, "code") == "RAMADAN10" and value(page, "percentage") == "12,5"
    assert value(page, "starts_at") == "2025-03-01T09:00" and value(page, "min_subtotal") == "100.000"
    assert "12.5% off entire order" in text(page) and "Expired" in text(page)


def test_create_each_kind(client, app, store, create_product):
    shirt, scarf = create_product(store, title="Kemeja"), create_product(store, title="Selendang")
    batik = make_collection(app, store, "Batik tulis")
    posts = [
        form(title="Potongan", code="POTONG", kind="fixed", amount="50.000", percentage="abc"),
        form(title="Gratis ongkir", method="automatic", code="", kind="free_shipping", min_subtotal="300.000"),
        form(title="Beli 2 gratis 1", method="automatic", code="", kind="buy_x_get_y", buy_quantity="2",
             get_quantity="1", get_percentage="50", scope="products", product_ids=[str(shirt.id)],
             gets="products", get_product_ids=[str(scarf.id)]),
        form(title="Hemat", code="HEMAT", kind="tiered", **{"tiers-0-min_subtotal": "500.000",
             "tiers-0-amount": "50.000", "tiers-2-min_subtotal": "1.000.000", "tiers-2-amount": "150.000"}),
        form(title="Batik 15%", code="BATIK15", percentage="15", scope="collections",
             collection_ids=[str(batik)]),
    ]
    for data in posts:
        assert client.post(f"{BASE}/new", data=data).status_code == 302, data["title"]
    fixed, shipping, bxgy, tiered, batik_off = all_discounts(app, store)
    assert (fixed.kind, fixed.amount, fixed.percentage_bp) == ("fixed", 5_000_000, 0)
    assert (shipping.kind, shipping.method, shipping.min_subtotal) == ("free_shipping", "automatic", 30_000_000)
    assert (bxgy.buy_quantity, bxgy.get_quantity, bxgy.get_percentage_bp) == (2, 1, 5000)
    assert {(t.role, t.product_id) for t in bxgy.targets} == {("applies", shirt.id), ("gets", scarf.id)}
    assert tiered.tiers == [{"min_subtotal": 50_000_000, "amount": 5_000_000},
                            {"min_subtotal": 100_000_000, "amount": 15_000_000}]
    assert [(t.role, t.collection_id) for t in batik_off.targets] == [("applies", batik)]
    assert load_discount(app, store, shipping.id)[1] == []

    page = client.get(f"{BASE}/{bxgy.id}")
    assert checked(page, "product_ids") == [str(shirt.id)] and checked(page, "get_product_ids") == [str(scarf.id)]
    assert checked(page, "gets") == ["products"] and value(page, "get_percentage") == "50"
    page = client.get(f"{BASE}/{tiered.id}")
    assert value(page, "tiers-1-min_subtotal") == "1.000.000" and value(page, "tiers-2-amount") == ""


def test_the_new_page_offers_every_group_without_javascript(client, store, create_product):
    create_product(store, title="Kemeja Parang")
    page = client.get(f"{BASE}/new")
    html = text(page)
    for name in ("percentage", "amount", "buy_quantity", "tiers-0-min_subtotal", "code", "batch_count",
                 "min_subtotal", "usage_limit", "per_code_limit", "starts_at", "ends_at", "combinable"):
        assert value(page, name) is not None or name in html, name
    assert {a.get("value") for t, a in parse(page).tags if t == "input" and a.get("name") == "kind"} == {
        "percentage", "fixed", "free_shipping", "buy_x_get_y", "tiered"}
    assert 'type="datetime-local"' in html and "Kemeja Parang" in html
    assert "By default the best automatic discount applies, and a code combines only if marked combinable" in html
    assert html.count("<h1") == 1 and "js/discounts.js" in html


# Validation: a message beside the field, typed values kept, nothing saved


CASES = [
    (dict(percentage="150"), "percentage", "Enter a percentage above 0 and up to 100."),
    (dict(percentage="0"), "percentage", "Enter a percentage above 0 and up to 100."),
    (dict(percentage="-5"), "percentage", "Enter a percentage above 0 and up to 100."),
    (dict(percentage="sepuluh"), "percentage", "Enter a percentage, such as 10 or 12.5."),
    (dict(percentage=""), "percentage", "Enter a percentage, such as 10."),
    (dict(kind="fixed", amount="0"), "amount", "Enter an amount above zero."),
    (dict(kind="fixed", amount="-5.000"), "amount", "Enter an amount of zero or more."),
    (dict(starts_at="2025-03-10T10:00", ends_at="2025-03-01T10:00"), "ends_at", "Choose an end after the start."),
    (dict(starts_at="kemarin"), "starts_at", "Enter a date and time"),
    (dict(code="diskon 10%"), "code", "Use only letters, digits, dashes and underscores"),
    (dict(code="", title="Tanpa kode"), "code", "Enter a code, or generate a batch of codes below."),
    (dict(method="automatic", code="AUTO10"), "code", "Automatic discounts apply by themselves and have no code."),
    (dict(title="", code=""), "title", "Enter a title"),
    (dict(min_subtotal="-10.000"), "min_subtotal", "Enter an amount of zero or more."),
    (dict(min_quantity="-1"), "min_quantity", "Enter zero or more"),
    (dict(usage_limit="0"), "usage_limit", "Enter 1 or more, or leave it empty for no limit."),
    (dict(per_customer_limit="0"), "per_customer_limit", "Enter 1 or more"),
    (dict(per_code_limit="-2"), "per_code_limit", "Enter 1 or more"),
    (dict(kind="buy_x_get_y", buy_quantity="0", get_quantity="1"), "buy_quantity", "Enter 1 or more."),
    (dict(kind="buy_x_get_y", buy_quantity="2", get_quantity="0"), "get_quantity", "Enter 1 or more."),
    (dict(kind="buy_x_get_y", buy_quantity="2", get_quantity="1", get_percentage="120"), "get_percentage",
     "Enter a percentage above 0 and up to 100."),
    (dict(kind="buy_x_get_y", buy_quantity="2", get_quantity="1", gets="products"), "get_product_ids",
     "Choose at least one product the customer gets."),
    (dict(kind="tiered"), "tiers", "Add at least one tier"),
    (dict(kind="tiered", **{"tiers-0-min_subtotal": "500.000", "tiers-0-amount": "50.000",
                            "tiers-1-min_subtotal": "300.000", "tiers-1-amount": "80.000"}),
     "tiers-1-min_subtotal", "List the tiers from the smallest spend to the largest."),
    (dict(kind="tiered", **{"tiers-0-min_subtotal": "500.000", "tiers-0-amount": "50.000",
                            "tiers-1-min_subtotal": "500.000", "tiers-1-amount": "80.000"}),
     "tiers-1-min_subtotal", "Another tier already starts at this spend."),
    (dict(scope="products"), "product_ids", "Choose at least one product."),
    (dict(scope="collections"), "collection_ids", "Choose at least one collection."),
    (dict(code="", batch_count="1001"), "batch_count", "Enter a number from 1 to 1000."),
    (dict(code="", batch_count="10", batch_prefix="RA MA!"), "batch_prefix", "Use only letters"),
    (dict(code="SATU", batch_count="10"), "batch_count", "Type one code or generate a batch, not both."),
    # Numbers too large for their columns are answered beside the field (they used to overflow: a 500).
    (dict(usage_limit="99999999999999999999"), "usage_limit", "Enter a number up to 1,000,000."),
    (dict(usage_limit="3000000000"), "usage_limit", "Enter a number up to 1,000,000."),
    (dict(usage_limit="1.000.001"), "usage_limit", "Enter a number up to 1,000,000."),
    (dict(per_customer_limit="99999999999999999999"), "per_customer_limit", "Enter a number up to 1,000,000."),
    (dict(per_code_limit="99999999999999999999"), "per_code_limit", "Enter a number up to 1,000,000."),
    (dict(min_quantity="99999999999999999999"), "min_quantity", "Enter a number up to 1,000,000."),
    (dict(min_quantity="-99999999999999999999"), "min_quantity", "Enter a number up to 1,000,000."),
    (dict(kind="buy_x_get_y", buy_quantity="99999999999999999999", get_quantity="1"), "buy_quantity",
     "Enter at most 1000."),
    (dict(kind="buy_x_get_y", buy_quantity="2", get_quantity="99999999999999999999"), "get_quantity",
     "Enter at most 1000."),
    (dict(code="", batch_count="99999999999999999999"), "batch_count", "Enter a number from 1 to 1000."),
    (dict(percentage="9" * 30), "percentage", "Enter a percentage, such as 10 or 12.5."),
    (dict(percentage="9999999"), "percentage", "Enter a percentage above 0 and up to 100."),
    (dict(percentage="12.345"), "percentage", "Use at most two decimals."),
    (dict(percentage="²"), "percentage", "Enter a percentage, such as 10 or 12.5."),
    # Dates outside 2000–2999: year 1 can't even be moved to UTC (an OverflowError), 9999 is a slip.
    (dict(starts_at="0001-01-01T00:00"), "starts_at", "Enter a date between the years 2000 and 2999."),
    (dict(ends_at="9999-12-31T23:59"), "ends_at", "Enter a date between the years 2000 and 2999."),
    (dict(starts_at="1999-12-31T23:59"), "starts_at", "Enter a date between the years 2000 and 2999."),
    # Picked ids that are no id at all are dropped, never looked up (a 19-digit one above 2**63 - 1 overflowed).
    (dict(scope="products", product_ids=["9999999999999999999"]), "product_ids", "Choose at least one product."),
    (dict(scope="products", product_ids=["²", "-1", "1e3"]), "product_ids", "Choose at least one product."),
    (dict(kind="buy_x_get_y", buy_quantity="1", get_quantity="1", gets="products",
          get_product_ids=["9" * 30]), "get_product_ids", "Choose at least one product the customer gets."),
    (dict(scope="collections", collection_ids=["99999999999999999999"]), "collection_ids",
     "Choose at least one collection."),
]


@pytest.mark.parametrize(("fields", "field_id", "message"), CASES, ids=[f"{c[1]}:{i}" for i, c in enumerate(CASES)])
def test_each_rule_shows_its_message_beside_the_field_and_saves_nothing(client, app, store, fields, field_id,
                                                                         message):
    data = form(**fields)
    response = client.post(f"{BASE}/new", data=data)
    assert response.status_code == 200
    assert message in (field_error(response, field_id) or ""), error_fields(response)
    assert "Nothing was saved." in text(response)
    for name, typed in fields.items():
        if name.startswith("tiers-") or name in ("title", "code", "percentage", "amount", "min_subtotal",
                                                  "usage_limit", "per_code_limit", "starts_at", "batch_prefix"):
            assert value(response, name) == typed, name
    assert checked(response, "kind") == [data["kind"]] and checked(response, "method") == [data["method"]]
    assert count(app, store) == 0


def test_every_error_shows_at_once(client, app, store):
    response = client.post(f"{BASE}/new", data=form(percentage="abc", usage_limit="0", code="a b!",
                                                     ends_at="2020-01-01T00:00"))
    assert {"percentage", "usage_limit", "code", "ends_at"} <= error_fields(response)
    assert count(app, store) == 0


def test_the_fields_of_another_kind_are_ignored(client, app, store):
    """Without JavaScript every group posts; only the chosen kind's fields count."""
    response = client.post(f"{BASE}/new", data=form(kind="free_shipping", percentage="999", amount="-1",
                                                     buy_quantity="x", **{"tiers-0-amount": "1"}))
    assert response.status_code == 302
    [discount] = all_discounts(app, store)
    assert (discount.kind, discount.percentage_bp, discount.amount, discount.tiers) == ("free_shipping", 0, 0, [])


def test_a_code_is_unique_in_the_store_whatever_its_case(client, app, store, other):
    make_discount(app, store, title="Lama", codes=["RAMADAN10"])
    make_discount(app, other, title="Tetangga", codes=["MERDEKA"])
    response = client.post(f"{BASE}/new", data=form(code="ramadan10"))
    assert field_error(response, "code") == "Another discount in your store already uses this code."
    assert value(response, "code") == "ramadan10" and count(app, store) == 1
    # Another store's codes are its own business.
    assert client.post(f"{BASE}/new", data=form(code="merdeka")).status_code == 302


def test_a_pickers_search_keeps_what_was_typed_and_saves_nothing(client, app, store, create_product):
    shirt = create_product(store, title="Kemeja Parang")
    create_product(store, title="Selendang Sutra")
    data = form(title="Kemeja 10%", scope="products", product_ids=[str(shirt.id)], q_product_ids="sutra",
                search="product_ids", percentage="15")
    response = client.post(f"{BASE}/new", data=data)
    assert response.status_code == 200 and count(app, store) == 0
    html = text(response)
    assert checked(response, "product_ids") == [str(shirt.id)]  # still ticked
    assert "Selendang Sutra" in html and 'Matching “sutra”' in html
    assert value(response, "title") == "Kemeja 10%" and value(response, "percentage") == "15"
    assert value(response, "q_product_ids") == "sutra" and error_fields(response) == set()


# Editing


def test_edit_shows_the_saved_values_and_saves_changes(client, app, store, create_product):
    shirt = create_product(store, title="Kemeja")
    discount_id = make_discount(app, store, title="Ramadan", codes=["RAMADAN"], usage_limit=10, times_used=3,
                                scope="products", targets=[(TargetRole.APPLIES, "product_id", shirt.id)])
    page = client.get(f"{BASE}/{discount_id}")
    assert value(page, "title") == "Ramadan" and value(page, "code") == "RAMADAN"
    assert checked(page, "scope") == ["products"] and checked(page, "product_ids") == [str(shirt.id)]
    assert value(page, "usage_limit") == "10" and "3 / 10" in text(page)

    response = client.post(f"{BASE}/{discount_id}", data=form(title="Ramadan besar", code="ramadan-besar",
                                                              kind="fixed", amount="25.000", scope="order"))
    assert response.status_code == 302
    discount, codes = load_discount(app, store, discount_id)
    assert (discount.title, discount.kind, discount.amount, discount.targets) == ("Ramadan besar", "fixed",
                                                                                  2_500_000, [])
    assert codes == ["RAMADAN-BESAR"] and discount.times_used == 3


def test_edit_refusal_changes_nothing(client, app, store):
    discount_id = make_discount(app, store, title="Ramadan", codes=["RAMADAN"])
    response = client.post(f"{BASE}/{discount_id}", data=form(title="Baru", code="", percentage="500"))
    assert field_error(response, "code") == "Enter a code. Shoppers type it at checkout."
    assert "Enter a percentage above 0" in field_error(response, "percentage")
    discount, codes = load_discount(app, store, discount_id)
    assert (discount.title, discount.percentage_bp, codes) == ("Ramadan", 1000, ["RAMADAN"])


def test_a_discount_with_many_codes_keeps_them_when_edited(client, app, store):
    discount_id = make_discount(app, store, title="Voucher", codes=["V-1", "V-2", "V-3"])
    page = client.get(f"{BASE}/{discount_id}")
    assert value(page, "code") is None and "This discount has 3 codes." in text(page)
    assert "V-1" in text(page) and value(page, "batch_count") is None
    data = form(title="Voucher baru")
    del data["code"]
    assert client.post(f"{BASE}/{discount_id}", data=data).status_code == 302
    assert load_discount(app, store, discount_id)[1] == ["V-1", "V-2", "V-3"]
    # Its codes are out with shoppers: it can't become automatic.
    response = client.post(f"{BASE}/{discount_id}", data=dict(data, method="automatic"))
    assert "Duplicate it to make an automatic one." in field_error(response, "method")


# Actions


def test_turn_off_and_on(client, app, store):
    discount_id = make_discount(app, store, title="Ramadan", codes=["RAMADAN"])
    response = client.post(f"{BASE}/{discount_id}/disable", follow_redirects=True)
    assert "Ramadan is off." in text(response) and "Turn on" in text(response)
    assert load_discount(app, store, discount_id)[0].enabled is False
    assert ">Disabled</span>" in text(client.get(BASE))
    client.post(f"{BASE}/{discount_id}/enable")
    assert load_discount(app, store, discount_id)[0].enabled is True


def test_duplicate_makes_a_disabled_copy_without_codes(client, app, store, create_product):
    shirt = create_product(store, title="Kemeja")
    original = make_discount(app, store, title="Ramadan", codes=["RAMADAN"], times_used=5, percentage_bp=1500,
                             scope="products", targets=[(TargetRole.APPLIES, "product_id", shirt.id)])
    response = client.post(f"{BASE}/{original}/duplicate")
    copy = next(d for d in all_discounts(app, store) if d.id != original)
    assert response.headers["Location"] == f"{BASE}/{copy.id}"
    assert (copy.title, copy.enabled, copy.times_used, copy.percentage_bp) == ("Ramadan (copy)", False, 0, 1500)
    assert [t.product_id for t in copy.targets] == [shirt.id]
    assert load_discount(app, store, copy.id)[1] == [] and load_discount(app, store, original)[1] == ["RAMADAN"]

    page = client.get(f"{BASE}/{copy.id}")
    assert value(page, "code") == "" and value(page, "batch_count") == ""  # a code or a batch can be given
    response = client.post(f"{BASE}/{copy.id}/enable", follow_redirects=True)
    assert "Add a code before turning this discount on." in text(response)
    assert load_discount(app, store, copy.id)[0].enabled is False


def test_delete_asks_first_then_deletes(client, app, store):
    discount_id = make_discount(app, store, title="Ramadan", codes=["RAMADAN", "RAMADAN2"])
    page = client.get(f"{BASE}/{discount_id}/delete")
    assert "Delete Ramadan?" in text(page) and "its 2 codes" in text(page) and count(app, store) == 1
    response = client.post(f"{BASE}/{discount_id}/delete", follow_redirects=True)
    assert "Ramadan was deleted." in text(response) and count(app, store) == 0
    assert client.get(f"{BASE}/{discount_id}").status_code == 404


def test_a_new_discount_can_be_a_batch_of_500_single_use_codes(client, app, store):
    response = client.post(f"{BASE}/new", data=form(title="Voucher Ramadan", code="", batch_count="500",
                                                     batch_prefix="ramadan", batch_single_use="y"))
    assert response.status_code == 302
    [discount] = all_discounts(app, store)
    stored, codes = load_discount(app, store, discount.id)
    assert len(codes) == 500 == len(set(codes)) and all(c.startswith("RAMADAN-") and len(c) == 16 for c in codes)
    assert stored.per_code_limit == 1
    page = text(client.get(f"{BASE}/{discount.id}"))
    assert "500 codes" in page and "single-use" in page and "and 495 more" in page

    export = client.get(f"{BASE}/{discount.id}/codes.csv")
    assert export.status_code == 200 and export.mimetype == "text/csv"
    assert "attachment" in export.headers["Content-Disposition"] and "voucher-ramadan-codes.csv" in \
        export.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(export.get_data().decode("utf-8-sig"))))
    assert rows[0] == ["Code", "Times used"] and sorted(r[0] for r in rows[1:]) == codes
    assert {r[1] for r in rows[1:]} == {"0"}


def test_generate_more_codes_on_the_edit_page(client, app, store):
    discount_id = make_discount(app, store, title="VIP", codes=["VIP"])
    response = client.post(f"{BASE}/{discount_id}/codes", data={"gen-count": "25", "gen-prefix": "vip"})
    assert response.status_code == 302 and response.headers["Location"] == f"{BASE}/{discount_id}#codes"
    codes = load_discount(app, store, discount_id)[1]
    assert len(codes) == 26 and sum(c.startswith("VIP-") for c in codes) == 25
    assert load_discount(app, store, discount_id)[0].per_code_limit is None

    response = client.post(f"{BASE}/{discount_id}/codes", data={"gen-count": "0", "gen-prefix": "v i p!"})
    assert response.status_code == 200
    assert field_error(response, "gen-count") == "Enter a number from 1 to 1000."
    assert "Use only letters" in field_error(response, "gen-prefix")
    assert value(response, "gen-prefix") == "v i p!" and len(load_discount(app, store, discount_id)[1]) == 26


def test_an_automatic_discount_gets_no_codes(client, app, store):
    discount_id = make_discount(app, store, title="Otomatis", method="automatic")
    response = client.post(f"{BASE}/{discount_id}/codes", data={"gen-count": "5"}, follow_redirects=True)
    assert "Automatic discounts have no codes." in text(response)
    assert load_discount(app, store, discount_id)[1] == []


# Stats


def test_the_edit_page_shows_uses_and_sales(client, app, store):
    discount_id = make_discount(app, store, title="Ramadan", codes=["RAMADAN"], usage_limit=50)
    for total in (300_000_00, 200_000_00, 125_000_00):
        add_usage(app, store, discount_id, order_total=total)
    make_discount(app, store, title="Lain")
    html = text(client.get(f"{BASE}/{discount_id}"))
    assert "3 / 50" in html and "IDR 625,000" in html


# Other stores


@pytest.mark.parametrize(("method", "suffix"), [
    ("GET", ""), ("POST", ""), ("GET", "/delete"), ("POST", "/delete"), ("POST", "/enable"), ("POST", "/disable"),
    ("POST", "/duplicate"), ("POST", "/codes"), ("GET", "/codes.csv"),
])
def test_another_stores_discount_is_a_404(client, app, store, other, method, suffix):
    theirs = make_discount(app, other, title="Kopi gratis", codes=["KOPI"])
    response = client.open(f"{BASE}/{theirs}{suffix}", method=method, data=form(title="Dibajak", code="HACK") | {
        "gen-count": "5"})
    assert response.status_code == 404
    assert "Kopi gratis" not in text(response) and "KOPI" not in text(response)
    discount, codes = load_discount(app, other, theirs)
    assert (discount.title, discount.enabled, codes) == ("Kopi gratis", True, ["KOPI"])
    assert count(app, other) == 1 and count(app, store) == 0


def test_another_stores_products_and_collections_cant_be_attached(client, app, store, other, create_product):
    theirs = create_product(other, title="Kopi Susu")
    their_collection = make_collection(app, other, "Kopi")
    mine = create_product(store, title="Kemeja")
    for data, field in [
        (form(scope="products", product_ids=[str(mine.id), str(theirs.id)]), "product_ids"),
        (form(scope="collections", collection_ids=[str(their_collection)]), "collection_ids"),
        (form(kind="buy_x_get_y", buy_quantity="1", get_quantity="1", gets="products",
              get_product_ids=[str(theirs.id)]), "get_product_ids"),
        (form(kind="buy_x_get_y", buy_quantity="1", get_quantity="1", gets="collections",
              get_collection_ids=[str(their_collection)]), "get_collection_ids"),
    ]:
        response = client.post(f"{BASE}/new", data=data)
        assert "isn’t in your store" in (field_error(response, field) or ""), field
        assert "Kopi Susu" not in text(response)
    assert count(app, store) == 0

    # Editing is refused the same way, and the saved targets stay.
    discount_id = make_discount(app, store, codes=["KEMEJA"], scope="products",
                                targets=[(TargetRole.APPLIES, "product_id", mine.id)])
    response = client.post(f"{BASE}/{discount_id}", data=form(code="KEMEJA", scope="products",
                                                               product_ids=[str(theirs.id)]))
    assert "isn’t in your store" in field_error(response, "product_ids")
    assert [t.product_id for t in load_discount(app, store, discount_id)[0].targets] == [mine.id]


def test_pickers_list_only_this_stores_products_and_collections(client, app, store, other, create_product):
    create_product(other, title="Kopi Susu")
    make_collection(app, other, "Kopi")
    create_product(store, title="Kemeja")
    make_collection(app, store, "Batik")
    page = client.get(f"{BASE}/new")
    html = text(page)
    assert "Kemeja" in html and "Batik" in html and "Kopi" not in html
    response = client.post(f"{BASE}/new", data=form(search="product_ids", q_product_ids="kopi"))
    assert "Kopi Susu" not in text(response) and "Nothing matches “kopi”" in text(response)

