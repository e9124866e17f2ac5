"""The operator console: every store, search, status filter, pagination, suspend/reactivate and the audit log."""
import re

import pytest
from sqlalchemy import func, select

from saas.platform.models import AuditEvent
from saas.tenants.models import Tenant, TenantStatus

STORE_LINK = re.compile(r'href="/operator/stores/(\d+)"')


@pytest.fixture
def operator_client(client, create_user, login):
    """A client signed in as an operator; the operator is on .user."""
    operator = create_user(email="ops@example.com", name="Ops Person", is_operator=True)
    login(client, operator)
    client.user = operator
    return client


def _listed(response) -> list[int]:
    assert response.status_code == 200
    return [int(i) for i in STORE_LINK.findall(response.get_data(as_text=True))]


def _store_count(response) -> int:
    match = re.search(r"(\d+) (?:stores?|toko)", response.get_data(as_text=True))
    return int(match.group(1))


@pytest.fixture
def three_stores(create_store, create_user):
    batik = create_store(owner=create_user(email="sari@batik.example.com"), name="Toko Batik Sari", slug="batik-sari")
    kopi = create_store(owner=create_user(email="budi@kopi.example.com"), name="Kopi Budi", slug="kopi-budi")
    tenun = create_store(owner=create_user(email="ayu@example.com"), name="Tenun Ayu", slug="kain-ntt")
    return batik, kopi, tenun


def test_an_operator_sees_every_store_with_its_owner(operator_client, three_stores):
    """All stores of all merchants are listed, each with its owner's email."""
    response = operator_client.get("/operator/")
    assert sorted(_listed(response)) == sorted(t.id for t in three_stores)
    html = response.get_data(as_text=True)
    for email in ("sari@batik.example.com", "budi@kopi.example.com", "ayu@example.com"):
        assert email in html
    assert _store_count(response) == 3


def test_search_by_name_slug_and_owner_email(operator_client, three_stores):
    """One box searches names (any case), addresses and owner emails."""
    by_key = dict(zip(("batik", "kopi", "tenun"), three_stores))
    # One test, not a parametrize: each case would hash four passwords again to set up.
    for query, expected in (
        ("batik", ["batik"]),
        ("KOPI BUDI", ["kopi"]),
        ("kain-ntt", ["tenun"]),       # the slug only; the name says nothing of it
        ("budi@kopi", ["kopi"]),       # owner email
        ("  ayu@example.com ", ["tenun"]),
        ("example.com", ["batik", "kopi", "tenun"]),
        ("nobody-has-this", []),
    ):
        response = operator_client.get("/operator/", query_string={"q": query})
        assert sorted(_listed(response)) == sorted(by_key[k].id for k in expected), query
        assert _store_count(response) == len(expected), query


def test_filter_by_status(operator_client, three_stores):
    """status=suspended and status=active split the list; an unknown status shows everything."""
    batik, kopi, tenun = three_stores
    assert operator_client.post(f"/operator/stores/{kopi.id}/suspend", data={"reason": "fraud report"}).status_code == 302
    assert _listed(operator_client.get("/operator/?status=suspended")) == [kopi.id]
    assert sorted(_listed(operator_client.get("/operator/?status=active"))) == sorted([batik.id, tenun.id])
    assert len(_listed(operator_client.get("/operator/?status=deleted"))) == 3
    assert _listed(operator_client.get("/operator/", query_string={"q": "kopi", "status": "active"})) == []


def test_pagination_25_per_page_and_bad_page_numbers(operator_client, create_store, create_user):
    """30 stores are 25 + 5, newest first; bad page values fall back to a real page instead of failing."""
    owner = create_user(email="owner@example.com")
    ids = [create_store(owner=owner, name=f"Warung {n:02d}", slug=f"warung-{n:02d}").id for n in range(30)]
    first = _listed(operator_client.get("/operator/"))
    second = _listed(operator_client.get("/operator/?page=2"))
    assert len(first) == 25 and len(second) == 5
    assert sorted(first + second) == sorted(ids)
    assert first[0] == ids[-1]  # newest first
    assert _store_count(operator_client.get("/operator/?page=2")) == 30
    for bad, expected in (("abc", first), ("-3", first), ("0", first), ("", first), ("1.5", first),
                          ("999", second), ("99999999999999999999999", second)):
        assert _listed(operator_client.get(f"/operator/?page={bad}")) == expected, bad


def test_suspend_with_a_reason_then_reactivate(app, operator_client, ctx, create_store):
    """Suspending closes the storefront (503) and reactivating opens it; both are audited with who and why."""
    store = create_store(name="Toko Batik Sari", slug="batik-sari")
    # conftest's store_client passes base_url to Client(), which Flask 3.1 refuses; give it per request instead.
    storefront = app.test_client()
    home = storefront.get("/", base_url="http://batik-sari.localhost")
    assert home.status_code == 200 and "Toko Batik Sari" in home.get_data(as_text=True)

    response = operator_client.post(f"/operator/stores/{store.id}/suspend", data={"reason": "Chargebacks from 3 buyers"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/operator/stores/{store.id}")
    with ctx() as session:
        tenant = session.get(Tenant, store.id)
        assert tenant.status == TenantStatus.SUSPENDED and tenant.suspended_at is not None
    closed = storefront.get("/", base_url="http://batik-sari.localhost")
    assert closed.status_code == 503
    assert "Toko Batik Sari" in closed.get_data(as_text=True)

    assert operator_client.post(f"/operator/stores/{store.id}/reactivate").status_code == 302
    with ctx() as session:
        tenant = session.get(Tenant, store.id)
        assert tenant.status == TenantStatus.ACTIVE and tenant.suspended_at is None
    assert storefront.get("/", base_url="http://batik-sari.localhost").status_code == 200

    with ctx() as session:
        events = session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
        assert [(e.action, e.actor_id, e.tenant_id) for e in events] == [
            ("store.suspended", operator_client.user.id, store.id),
            ("store.reactivated", operator_client.user.id, store.id),
        ]
        assert events[0].details["reason"] == "Chargebacks from 3 buyers"
        assert all(e.created_at is not None for e in events)


def test_the_audit_log_shows_who_did_what_and_when(operator_client, create_store):
    """/operator/audit and the store's own page both show the operator, the action, the reason and a time."""
    store = create_store(name="Kopi Budi", slug="kopi-budi")
    operator_client.post(f"/operator/stores/{store.id}/suspend", data={"reason": "Selling counterfeit goods"})
    operator_client.post(f"/operator/stores/{store.id}/reactivate")

    for url in ("/operator/audit", f"/operator/stores/{store.id}"):
        html = operator_client.get(url).get_data(as_text=True)
        timeline = html[html.index('class="timeline"'):]
        assert timeline.count("ops@example.com") == 2, url
        assert "suspended the store" in timeline and "reactivated the store" in timeline, url
        assert "Selling counterfeit goods" in timeline, url
        assert len(re.findall(r'<time datetime="\d{4}-\d\d-\d\dT', timeline)) >= 2, url
        # Newest first: the reactivation is listed above the suspension.
        assert timeline.index("reactivated the store") < timeline.index("suspended the store"), url
    assert "Kopi Budi" in operator_client.get("/operator/audit").get_data(as_text=True)


def test_suspending_twice_records_one_event(operator_client, ctx, create_store):
    """A repeated click changes nothing more and adds no second audit entry."""
    store = create_store()
    for _ in range(2):
        assert operator_client.post(f"/operator/stores/{store.id}/suspend").status_code == 302
    with ctx() as session:
        assert session.scalar(select(func.count()).select_from(AuditEvent)) == 1


def test_a_reason_over_300_characters_is_refused(operator_client, ctx, create_store):
    """The form's limit holds: a 400, and the store stays active."""
    store = create_store()
    assert operator_client.post(f"/operator/stores/{store.id}/suspend", data={"reason": "x" * 301}).status_code == 400
    with ctx() as session:
        assert session.get(Tenant, store.id).status == TenantStatus.ACTIVE


def test_an_unknown_store_is_404(operator_client):
    """Operators get a plain 404 for a store id that doesn't exist."""
    assert operator_client.get("/operator/stores/987654321").status_code == 404
    assert operator_client.post("/operator/stores/987654321/suspend").status_code == 404


def test_suspend_and_reactivate_need_post_with_a_csrf_token(app, operator_client, ctx, create_store, monkeypatch):
    """With CSRF on, a POST without the token is a 400 and changes nothing; GET is not allowed; the page's token works."""
    store = create_store()
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    assert operator_client.get(f"/operator/stores/{store.id}/suspend").status_code == 405
    assert operator_client.post(f"/operator/stores/{store.id}/suspend", data={"reason": "no token"}).status_code == 400
    with ctx() as session:
        assert session.get(Tenant, store.id).status == TenantStatus.ACTIVE
        assert session.scalar(select(func.count()).select_from(AuditEvent)) == 0

    # The token from the store's page is accepted, so the 400 above was about the token.
    page = operator_client.get(f"/operator/stores/{store.id}").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = operator_client.post(f"/operator/stores/{store.id}/suspend", data={"csrf_token": token, "reason": "ok"})
    assert response.status_code == 302
    with ctx() as session:
        assert session.get(Tenant, store.id).status == TenantStatus.SUSPENDED


def test_search_treats_wildcards_as_text(client, login, create_user, create_store):
    """A % or _ in the search box matches those characters, not everything."""
    operator = create_user(is_operator=True)
    create_store(name="Toko 100% Asli", slug="toko-asli")
    create_store(name="Warung Biasa", slug="warung-biasa")
    login(client, operator)
    page = client.get("/operator/?q=%25").get_data(as_text=True)
    assert "Toko 100% Asli" in page
    assert "Warung Biasa" not in page
    page = client.get("/operator/?q=_").get_data(as_text=True)
    assert "Warung Biasa" not in page
