"""The command line: `flask create-operator EMAIL` and `flask seed-demo`."""
import pytest
from sqlalchemy import func, select

from saas.accounts.models import User
from saas.cli import DEMO_EMAIL, DEMO_PASSWORD
from saas.tenants.models import Membership, Role, Tenant
from tests.conftest import PASSWORD


@pytest.fixture
def cli(app):
    """cli(*args, input=None) -> the click result of `flask <args>` on the test app."""
    runner = app.test_cli_runner()
    return lambda *args, input=None: runner.invoke(args=list(args), input=input)


def _user(ctx, email):
    with ctx() as session:
        user = session.scalar(select(User).where(User.email == email))
        if user is not None:
            session.expunge(user)
        return user


def test_create_operator_promotes_an_existing_user(cli, ctx, create_user):
    """An existing account (found in any letter case) becomes an operator; its password is untouched."""
    existing = create_user(email="rina@example.com")
    result = cli("create-operator", "  Rina@Example.com ")
    assert result.exit_code == 0, result.output
    assert "rina@example.com is an operator." in result.output
    promoted = _user(ctx, "rina@example.com")
    assert promoted.is_operator
    assert (promoted.id, promoted.password_hash) == (existing.id, existing.password_hash)


def test_create_operator_makes_a_new_account_that_can_use_the_console(cli, ctx, client, login):
    """With --password a new operator is created and can sign in to /operator/."""
    result = cli("create-operator", "ops@example.com", "--password", PASSWORD, "--name", "Ops Team")
    assert result.exit_code == 0, result.output
    user = _user(ctx, "ops@example.com")
    assert user.is_operator and user.name == "Ops Team"
    login(client, user)
    assert client.get("/operator/").status_code == 200


def test_create_operator_prompts_for_the_password_when_not_given(cli, ctx):
    """Without --password it asks twice, hidden, and uses what was typed."""
    from saas.accounts.services import authenticate

    result = cli("create-operator", "ops2@example.com", input=f"{PASSWORD}\n{PASSWORD}\n")
    assert result.exit_code == 0, result.output
    with ctx():
        assert authenticate("ops2@example.com", PASSWORD).is_operator
    assert PASSWORD not in result.output


@pytest.mark.parametrize("password", ["short", "password123"])
def test_create_operator_refuses_a_weak_password_with_a_clear_message(cli, ctx, password):
    """A weak password is a one-line error (exit 1, no traceback) and creates no account."""
    result = cli("create-operator", "weak@example.com", "--password", password)
    assert result.exit_code == 1
    assert result.output.startswith("Error: ")
    assert "Traceback" not in result.output
    assert any(phrase in result.output for phrase in ("at least", "too common", "minimal", "terlalu umum")), \
        result.output
    assert _user(ctx, "weak@example.com") is None


def _counts(ctx):
    with ctx() as session:
        return tuple(session.scalar(select(func.count()).select_from(model)) for model in (User, Tenant, Membership))


def test_seed_demo_creates_the_demo_store_once(cli, ctx, client, monkeypatch):
    """The second run says the store is there and changes nothing; the demo merchant can sign in."""
    from saas.catalog import demo

    monkeypatch.setattr(demo, "SIZE", 96)  # small pictures keep this quick; their size changes nothing else
    before = _counts(ctx)
    first = cli("seed-demo")
    assert first.exit_code == 0, first.output
    assert "Demo store created." in first.output
    after_first = _counts(ctx)
    assert after_first == (before[0] + 1, before[1] + 1, before[2] + 1)

    second = cli("seed-demo")
    assert second.exit_code == 0, second.output
    assert "Demo store already present." in second.output
    assert _counts(ctx) == after_first

    with ctx() as session:
        tenant = session.scalar(select(Tenant).where(Tenant.slug == "demo"))
        owner = session.scalar(select(Membership).where(Membership.tenant_id == tenant.id, Membership.role == Role.OWNER))
        assert session.get(User, owner.user_id).email == DEMO_EMAIL
    # The README's demo login works.
    response = client.post("/login", data={"email": DEMO_EMAIL, "password": DEMO_PASSWORD})
    assert response.status_code == 302
    assert client.get("/stores/demo/").status_code == 200
