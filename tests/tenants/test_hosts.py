"""Which site a host is: the platform, a store by subdomain or verified domain, or nothing (404)."""
import re

import pytest

from saas.orm import utcnow
from saas.tenants.models import Domain, TenantStatus
from saas.tenants.services import set_status

EN = {"Accept-Language": "en"}


def visit(app, base_url, path="/", client=None):
    """GET `path` on the host of `base_url` (Flask's client takes base_url per request, not per client)."""
    return (client or app.test_client()).get(path, base_url=base_url, headers=EN)


def _assert_plain_not_found(response):
    assert response.status_code == 404
    # a plain page: no platform navigation that would invite a stranger to sign up or log in
    for marker in (b"Sign up", b"Daftar", b"/signup", b"/login"):
        assert marker not in response.data


def test_subdomain_shows_its_store(app, create_store):
    store = create_store(name="Batik Sari")
    response = visit(app, f"http://{store.slug}.localhost", "/")
    assert response.status_code == 200
    assert b"Batik Sari" in response.data


def test_unknown_subdomain_is_a_plain_404(app, create_store):
    create_store(name="Known Store")
    response = visit(app, "http://nobody-here.localhost", "/")
    _assert_plain_not_found(response)
    assert b"Known Store" not in response.data


def test_unknown_subdomain_path_is_a_plain_404(app):
    _assert_plain_not_found(visit(app, "http://nobody-here.localhost", "/signup"))


@pytest.mark.parametrize("host", ["{slug}.{slug}.localhost", "a.{slug}.localhost", "{slug}.localhost.evil.test"])
def test_nested_or_foreign_hosts_are_404(app, create_store, host):
    store = create_store()
    response = visit(app, f"http://{host.format(slug=store.slug)}", "/")
    _assert_plain_not_found(response)
    assert store.name.encode() not in response.data


def _add_domain(ctx, store, hostname, verified=True):
    with ctx() as session:
        session.add(Domain(hostname=hostname, tenant_id=store.id, verified_at=utcnow() if verified else None))
        session.commit()


def test_verified_custom_domain_serves_its_store(app, ctx, create_store):
    store = create_store(name="Kopi Kenangan Kita")
    _add_domain(ctx, store, "shop.example.test")
    response = visit(app, "http://shop.example.test", "/")
    assert response.status_code == 200
    assert b"Kopi Kenangan Kita" in response.data


def test_custom_domain_with_port_and_capitals_serves_its_store(app, ctx, create_store):
    store = create_store(name="Toko Kapital")
    _add_domain(ctx, store, "shop.example.test")
    response = visit(app, "http://SHOP.Example.TEST:8080", "/")
    assert response.status_code == 200
    assert b"Toko Kapital" in response.data


def test_unverified_custom_domain_is_404(app, ctx, create_store):
    store = create_store(name="Not Yet Verified")
    _add_domain(ctx, store, "pending.example.test", verified=False)
    response = visit(app, "http://pending.example.test", "/")
    _assert_plain_not_found(response)
    assert b"Not Yet Verified" not in response.data


def test_unknown_custom_domain_is_404(app):
    _assert_plain_not_found(visit(app, "http://elsewhere.example.test", "/"))


def test_suspended_store_is_unavailable(app, ctx, create_store, create_user):
    store = create_store(name="Warung Tutup")
    operator = create_user(is_operator=True)
    with ctx() as session:
        from saas.accounts.models import User
        from saas.tenants.models import Tenant

        set_status(session.get(Tenant, store.id), TenantStatus.SUSPENDED, session.get(User, operator.id), "test")
        session.commit()
    response = visit(app, f"http://{store.slug}.localhost", "/")
    assert response.status_code == 503
    assert b"unavailable" in response.data
    assert b"Warung Tutup" in response.data


def test_suspended_store_custom_domain_is_unavailable(app, ctx, create_store):
    store = create_store(name="Warung Domain", status=TenantStatus.SUSPENDED)
    _add_domain(ctx, store, "closed.example.test")
    response = visit(app, "http://closed.example.test", "/")
    assert response.status_code == 503
    assert b"unavailable" in response.data


def test_suspension_does_not_touch_other_stores(app, create_store):
    create_store(name="Closed One", status=TenantStatus.SUSPENDED)
    open_store = create_store(name="Open One")
    response = visit(app, f"http://{open_store.slug}.localhost", "/")
    assert response.status_code == 200
    assert b"Open One" in response.data


def test_platform_host_serves_the_landing_page(client):
    response = client.get("/", headers=EN)
    assert response.status_code == 200
    assert b"Sign up" in response.data


@pytest.mark.parametrize("base_url", ["http://LOCALHOST", "http://LocalHost"])
def test_platform_host_is_case_insensitive(app, base_url):
    response = visit(app, base_url, "/")
    assert response.status_code == 200
    assert b"Sign up" in response.data


def test_store_host_is_case_insensitive(app, create_store):
    store = create_store(name="Toko Besar")
    response = visit(app, f"http://{store.slug.upper()}.LOCALHOST", "/")
    assert response.status_code == 200
    assert b"Toko Besar" in response.data


def test_each_request_binds_its_own_store(app, create_store):
    first, second = create_store(name="Pertama Shop"), create_store(name="Kedua Shop")
    client = app.test_client()  # one client, so only the host tells the requests apart
    for mine, theirs in [(first, second), (second, first), (first, second)]:
        response = visit(app, f"http://{mine.slug}.localhost", client=client)
        assert response.status_code == 200
        assert mine.name.encode() in response.data
        assert theirs.name.encode() not in response.data


def _tenant_seen_by_request(app, base_url):
    """The tenant bound while the request ran (read as it finishes, before teardown unbinds it)."""
    from flask import request_finished

    from saas.tenants.scoping import current_tenant_id

    seen = []

    def record(sender, response, **extra):
        seen.append(current_tenant_id())

    with request_finished.connected_to(record, app):
        visit(app, base_url)
    assert len(seen) == 1
    return seen[0]


def test_storefront_request_binds_the_tenant(app, create_store):
    from saas.tenants.scoping import current_tenant_id

    store = create_store()
    assert _tenant_seen_by_request(app, f"http://{store.slug}.localhost") == store.id
    assert current_tenant_id() is None  # unbound again once the request is over


def test_platform_request_binds_no_tenant(app):
    assert _tenant_seen_by_request(app, "http://localhost") is None


@pytest.mark.parametrize("path", ["/products/kemeja", "/collections/all", "/search?q=kain", "/sitemap.xml",
                                  "/robots.txt", "/cart", "/cart.json", "/checkout", "/orders/abc", "/pages/faq"])
def test_store_urls_on_the_platform_host_are_404_not_errors(app, path):
    response = visit(app, "http://localhost", path)
    assert response.status_code == 404, path
    posted = app.test_client().post("/cart/add", base_url="http://localhost", data={"variant_id": "1"})
    assert posted.status_code == 404


# Each worker keeps the store a host resolves to, per store version (tenants/hosts.py)

def _tenant_queries(queries):
    return [q for q in queries if re.search(r"\sFROM tenants\b", q)]


def _warm(app, base_url, client=None):
    for _ in range(2):  # first read, then read again after its version, and only then kept
        visit(app, base_url, client=client)


def test_a_known_host_is_served_without_reading_its_store_again(app, create_store, count_queries, monkeypatch):
    monkeypatch.setitem(app.config, "STOREFRONT_CACHE", False)
    store = create_store(name="Toko Ingat")
    _warm(app, f"http://{store.slug}.localhost")
    with count_queries() as queries:
        response = visit(app, f"http://{store.slug}.localhost")
    assert response.status_code == 200 and b"Toko Ingat" in response.data
    assert _tenant_queries(queries) == []
    monkeypatch.setitem(app.config, "STORE_FRAME_CACHE", False)
    with count_queries() as queries:
        assert visit(app, f"http://{store.slug}.localhost").status_code == 200
    assert _tenant_queries(queries), "with the frame cache off, every request reads its store"


def test_a_new_slug_moves_the_store_at_once(app, ctx, create_store, monkeypatch):
    from saas.tenants.models import Tenant

    monkeypatch.setitem(app.config, "STOREFRONT_CACHE", False)
    store = create_store(name="Toko Pindah", slug="toko-lama")
    _warm(app, "http://toko-lama.localhost")
    with ctx() as session:
        session.get(Tenant, store.id).slug = "toko-baru"
        session.commit()
    _assert_plain_not_found(visit(app, "http://toko-lama.localhost"))
    assert b"Toko Pindah" in visit(app, "http://toko-baru.localhost").data
    newcomer = create_store(name="Toko Pendatang", slug="toko-lama")
    response = visit(app, "http://toko-lama.localhost")
    assert b"Toko Pendatang" in response.data and b"Toko Pindah" not in response.data
    assert newcomer.id != store.id


def test_suspending_a_known_store_shows_at_once(app, ctx, create_store, create_user, monkeypatch):
    from saas.accounts.models import User
    from saas.tenants.models import Tenant

    monkeypatch.setitem(app.config, "STOREFRONT_CACHE", False)
    store = create_store(name="Warung Ingat")
    operator = create_user(is_operator=True)
    _warm(app, f"http://{store.slug}.localhost")
    with ctx() as session:
        set_status(session.get(Tenant, store.id), TenantStatus.SUSPENDED, session.get(User, operator.id), "test")
        session.commit()
    assert visit(app, f"http://{store.slug}.localhost").status_code == 503


def test_a_domain_unverified_removed_or_given_away_stops_serving_its_old_store(app, ctx, create_store, monkeypatch):
    monkeypatch.setitem(app.config, "STOREFRONT_CACHE", False)
    first, second = create_store(name="Toko Pertama"), create_store(name="Toko Kedua")
    _add_domain(ctx, first, "shop.example.test")
    _warm(app, "http://shop.example.test")
    with ctx() as session:
        domain = session.query(Domain).filter_by(hostname="shop.example.test").one()
        domain.verified_at = None
        session.commit()
    _assert_plain_not_found(visit(app, "http://shop.example.test"))
    with ctx() as session:
        domain = session.query(Domain).filter_by(hostname="shop.example.test").one()
        domain.verified_at = utcnow()
        session.commit()
    _warm(app, "http://shop.example.test")
    with ctx() as session:
        session.query(Domain).filter_by(hostname="shop.example.test").one().tenant_id = second.id
        session.commit()
    response = visit(app, "http://shop.example.test")
    assert b"Toko Kedua" in response.data and b"Toko Pertama" not in response.data
    _warm(app, "http://shop.example.test")
    with ctx() as session:
        session.delete(session.query(Domain).filter_by(hostname="shop.example.test").one())
        session.commit()
    _assert_plain_not_found(visit(app, "http://shop.example.test"))


def test_known_hosts_never_mix_stores(app, create_store, monkeypatch):
    monkeypatch.setitem(app.config, "STOREFRONT_CACHE", False)
    first, second = create_store(name="Pertama Ingat"), create_store(name="Kedua Ingat")
    client = app.test_client()
    for _ in range(3):
        for mine, theirs in [(first, second), (second, first)]:
            response = visit(app, f"http://{mine.slug}.localhost", client=client)
            assert mine.name.encode() in response.data and theirs.name.encode() not in response.data


def test_without_the_cache_server_every_request_reads_its_store(app, create_store, count_queries, monkeypatch):
    from saas.storefront import cache as page_cache

    def broken(*args, **kwargs):
        raise ConnectionError("cache server down")

    monkeypatch.setitem(app.config, "STOREFRONT_CACHE", False)
    store = create_store(name="Toko Tanpa Cache")
    _warm(app, f"http://{store.slug}.localhost")
    backend = app.extensions["cache"][page_cache.cache]
    for method in ("get", "set", "add"):
        monkeypatch.setattr(backend, method, broken)
    with count_queries() as queries:
        assert b"Toko Tanpa Cache" in visit(app, f"http://{store.slug}.localhost").data
    assert _tenant_queries(queries), "no version to trust: the store is read again"


def test_a_full_host_map_starts_afresh(app, create_store, monkeypatch):
    from saas.tenants import hosts

    monkeypatch.setitem(app.config, "STOREFRONT_CACHE", False)
    monkeypatch.setattr(hosts, "MAX_KNOWN_HOSTS", 1)
    stores = [create_store(name=f"Toko Penuh {n}") for n in range(3)]
    for store in stores * 2:
        assert store.name.encode() in visit(app, f"http://{store.slug}.localhost").data
    assert len(hosts._known_hosts) <= 1


def test_a_bulk_delete_of_a_store_is_not_hidden_by_its_kept_host(app, ctx, create_store, monkeypatch):
    from sqlalchemy import delete

    from saas.tenants.models import Tenant
    from saas.tenants.scoping import unscoped

    monkeypatch.setitem(app.config, "STOREFRONT_CACHE", False)
    create_store(name="Toko Hilang", slug="toko-hilang")
    _warm(app, "http://toko-hilang.localhost")
    with ctx() as session, unscoped():
        session.execute(delete(Tenant).where(Tenant.slug == "toko-hilang"))
        session.commit()
    _assert_plain_not_found(visit(app, "http://toko-hilang.localhost"))
    create_store(name="Toko Baru Lagi", slug="toko-hilang")
    assert b"Toko Baru Lagi" in visit(app, "http://toko-hilang.localhost").data


def test_a_bulk_change_to_a_domain_is_not_hidden_by_its_kept_host(app, ctx, create_store, monkeypatch):
    from sqlalchemy import update

    monkeypatch.setitem(app.config, "STOREFRONT_CACHE", False)
    store = create_store(name="Toko Domain Massal")
    _add_domain(ctx, store, "massal.example.test")
    _warm(app, "http://massal.example.test")
    with ctx() as session:
        session.execute(update(Domain).where(Domain.hostname == "massal.example.test").values(verified_at=None))
        session.commit()
    _assert_plain_not_found(visit(app, "http://massal.example.test"))


def test_a_kept_host_is_read_again_after_a_while(app, create_store, count_queries, monkeypatch):
    from saas.tenants import hosts

    monkeypatch.setitem(app.config, "STOREFRONT_CACHE", False)
    store = create_store(name="Toko Waktu")
    _warm(app, f"http://{store.slug}.localhost")
    host = f"{store.slug}.localhost"
    tenant_id, version, row, _expires = hosts._known_hosts[host]
    hosts._known_hosts[host] = (tenant_id, version, row, 0.0)  # as KNOWN_HOST_SECONDS later
    with count_queries() as queries:
        assert visit(app, f"http://{store.slug}.localhost").status_code == 200
    assert _tenant_queries(queries), "a change made with plain SQL shows within KNOWN_HOST_SECONDS"
    with count_queries() as queries:
        assert visit(app, f"http://{store.slug}.localhost").status_code == 200
    assert _tenant_queries(queries) == [], "read again once, then kept again"
