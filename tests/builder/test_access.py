"""Who may open the builder: every /stores/<slug>/… route, walked from the URL map so new routes are covered."""
import re

import pytest

from saas import create_app


def _builder_rules():
    # A throwaway app only to read the URL map at collection time; the tests use the real `app` fixture.
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://", "REDIS_URL": None,
                      "PLATFORM_HOST": "localhost"})
    rules = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("builder.") and "slug" in rule.arguments:
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                rules.append(pytest.param(rule.rule, method, id=f"{method} {rule.rule}"))
    return rules


BUILDER_RULES = _builder_rules()


def url_for_rule(rule: str, slug: str) -> str:
    """The rule's path with `slug` filled in and any other argument given a placeholder."""
    path = rule.replace("<slug>", slug)
    return re.sub(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>", lambda m: "1" if m.group(1) in ("int", "float") else "x", path)


def test_the_walk_finds_the_known_builder_routes():
    """The parametrization really covers the builder (a broken walk would silently test nothing)."""
    paths = {param.values[0] for param in BUILDER_RULES}
    assert {"/stores/<slug>/", "/stores/<slug>/settings"} <= paths


@pytest.mark.parametrize(("rule", "method"), BUILDER_RULES)
def test_anonymous_users_are_sent_to_login(client, create_store, rule, method):
    """Anonymous visitors are redirected to the login page, with the page to come back to."""
    store = create_store()
    response = client.open(url_for_rule(rule, store.slug), method=method)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


@pytest.mark.parametrize(("rule", "method"), BUILDER_RULES)
def test_non_members_get_404(client, create_store, create_user, login, rule, method, ctx):
    """A signed-in user who isn't a member gets 404, as if the store didn't exist (not a telling 403)."""
    other = create_store(name="Kopi Kenangan")
    login(client, create_user())
    response = client.open(url_for_rule(rule, other.slug), method=method, data={"name": "Hacked"})
    assert response.status_code == 404
    assert "Kopi Kenangan" not in response.get_data(as_text=True)
    from saas.tenants.models import Tenant

    with ctx() as s:
        assert s.get(Tenant, other.id).name == "Kopi Kenangan"


@pytest.mark.parametrize(("rule", "method"), BUILDER_RULES)
def test_unknown_store_gets_404(client, create_user, login, rule, method):
    """A slug no store has is a 404 too, the same page a non-member sees."""
    login(client, create_user())
    assert client.open(url_for_rule(rule, "no-such-store"), method=method).status_code == 404


@pytest.mark.parametrize("path", ["/stores/{slug}/", "/stores/{slug}/settings"])
def test_members_open_their_store(client, create_store, create_user, login, path):
    """The store's own member gets the page (so the 404s above are about membership)."""
    owner = create_user()
    store = create_store(owner=owner)
    login(client, owner)
    assert client.get(path.format(slug=store.slug)).status_code == 200


def test_membership_of_one_store_does_not_open_another(client, create_store, create_user, login):
    """Owning store A gives nothing in store B."""
    owner = create_user()
    mine = create_store(owner=owner)
    theirs = create_store()
    login(client, owner)
    assert client.get(f"/stores/{mine.slug}/").status_code == 200
    assert client.get(f"/stores/{theirs.slug}/").status_code == 404
    assert client.get(f"/stores/{theirs.slug}/settings").status_code == 404


def test_stores_list_needs_login(client):
    """The store list is for signed-in users."""
    response = client.get("/stores/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_builder_is_not_served_on_store_hosts(store_client, create_store, create_user, login):
    """The builder answers on the platform host only, never on a storefront's host."""
    owner = create_user()
    store = create_store(owner=owner)
    shop = store_client(store)
    assert shop.get(f"/stores/{store.slug}/").status_code == 404


INT_RULES = [param for param in BUILDER_RULES if "<int:" in param.values[0]]


def test_the_walk_finds_routes_with_ids():
    paths = {param.values[0] for param in INT_RULES}
    assert {"/stores/<slug>/discounts/<int:discount_id>", "/stores/<slug>/shipping/zones/<int:zone_id>",
            "/stores/<slug>/products/<int:product_id>"} <= paths


@pytest.mark.parametrize("number", ["9223372036854775808", "99999999999999999999", "9" * 400])
@pytest.mark.parametrize(("rule", "method"), INT_RULES)
def test_an_id_above_the_largest_is_404_for_members_too(client, create_store, create_user, login, rule, method,
                                                        number):
    """An id no BIGINT holds isn't looked up (the driver would raise OverflowError, a 500): the URL matches nothing."""
    owner = create_user()
    store = create_store(owner=owner)
    login(client, owner)
    path = re.sub(r"<int:\w+>", number, rule.replace("<slug>", store.slug))
    assert client.open(path, method=method).status_code == 404


@pytest.mark.parametrize("path", ["discounts/9223372036854775807", "shipping/zones/9223372036854775807",
                                  "shipping/pickup/9223372036854775807", "shipping/carriers/9223372036854775807",
                                  "products/9223372036854775807", "orders/9223372036854775807"])
def test_the_largest_id_is_looked_up_and_not_found(client, create_store, create_user, login, path):
    owner = create_user()
    store = create_store(owner=owner)
    login(client, owner)
    assert client.get(f"/stores/{store.slug}/{path}").status_code == 404
