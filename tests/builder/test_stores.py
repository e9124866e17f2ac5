"""The store list at /stores/: only the user's stores, and creating another one."""
import pytest
from sqlalchemy import func, select

from saas.tenants.models import Membership, Role, Tenant
from tests.accounts.pages import error_fields, field_error, value


@pytest.fixture
def owner(client, create_user, login):
    user = create_user()
    login(client, user)
    return user


def tenant_count(ctx):
    with ctx() as s:
        return s.scalar(select(func.count()).select_from(Tenant))


def test_lists_only_the_users_stores(client, owner, create_store):
    """The user sees their own stores and no one else's."""
    create_store(owner=owner, name="Batik Sari", slug="batik-sari")
    create_store(owner=owner, name="Kopi Sari", slug="kopi-sari")
    create_store(name="Someone Elses Shop", slug="someone-else")
    page = client.get("/stores/").get_data(as_text=True)
    assert "Batik Sari" in page and "batik-sari.localhost" in page
    assert "Kopi Sari" in page
    assert "Someone Elses Shop" not in page
    assert "someone-else" not in page


def test_user_without_stores_is_invited_to_create_one(client, owner):
    """With no stores, the page says so and offers the form."""
    page = client.get("/stores/").get_data(as_text=True)
    assert "You have no stores yet" in page
    assert "Create store" in page


def test_creates_another_store_owned_by_the_user(client, owner, ctx):
    """The form creates a store with the user as owner and opens its builder."""
    response = client.post("/stores/", data={"store_name": "Kopi Sari", "subdomain": "Kopi-Sari"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/stores/kopi-sari/"
    with ctx() as s:
        tenant = s.scalar(select(Tenant).where(Tenant.slug == "kopi-sari"))
        assert tenant.name == "Kopi Sari"
        membership = s.scalar(select(Membership).where(Membership.tenant_id == tenant.id))
        assert (membership.user_id, membership.role) == (owner.id, Role.OWNER)
    home = client.get("/stores/kopi-sari/")
    assert home.status_code == 200
    assert "Kopi Sari" in home.get_data(as_text=True)
    assert "Kopi Sari" in client.get("/stores/").get_data(as_text=True)


@pytest.mark.parametrize(
    ("subdomain", "message"),
    [
        ("taken-shop", "This address is taken."),
        ("admin", "This address is reserved."),
        ("ab", "Use 3 to 63 characters."),
        ("-kopi", "Use lowercase letters, digits and single hyphens"),
        ("kopi--sari", "Use lowercase letters, digits and single hyphens"),
        ("", "This field is required."),
    ],
)
def test_bad_subdomain_is_refused_beside_the_field(client, owner, create_store, ctx, subdomain, message):
    """A bad subdomain gets its message beside the field, the name is kept, and nothing is saved."""
    create_store(slug="taken-shop")
    before = tenant_count(ctx)
    response = client.post("/stores/", data={"store_name": "Kopi Sari", "subdomain": subdomain})
    assert response.status_code == 200
    assert message in field_error(response, "subdomain")
    assert error_fields(response) == {"subdomain"}
    assert value(response, "store_name") == "Kopi Sari"
    assert tenant_count(ctx) == before


def test_missing_store_name_is_refused(client, owner, ctx):
    """The store needs a name."""
    before = tenant_count(ctx)
    response = client.post("/stores/", data={"store_name": "", "subdomain": "kopi-sari"})
    assert field_error(response, "store_name") == "This field is required."
    assert value(response, "subdomain") == "kopi-sari"
    assert tenant_count(ctx) == before
