"""Every /operator URL is a 404 for anyone who is not an operator, whatever the method."""
import pytest
from flask import Flask
from sqlalchemy import func, select

from saas.jobs.models import FailedJob
from saas.platform.models import AuditEvent
from saas.platform.views import bp as platform_bp
from saas.tenants.models import Tenant, TenantStatus


def _operator_rules():
    # The blueprint on a bare app gives the rules at collection time, before the test app exists.
    probe = Flask(__name__, host_matching=True, static_host="localhost")
    probe.register_blueprint(platform_bp, host="localhost")
    rules = [r for r in probe.url_map.iter_rules() if r.endpoint.startswith("platform.operator")]
    return sorted(((r.endpoint, r.rule) for r in rules))


OPERATOR_RULES = _operator_rules()


def test_the_parametrized_rules_are_all_of_the_apps_operator_rules(app):
    """A new operator route is covered by the 404 test below without editing it."""
    in_app = sorted((r.endpoint, r.rule) for r in app.url_map.iter_rules() if r.endpoint.startswith("platform.operator"))
    assert in_app == OPERATOR_RULES
    assert len(in_app) >= 6


@pytest.fixture
def targets(ctx, create_store):
    """Real ids for the URL arguments, so a 404 can't come from a missing row."""
    store = create_store()
    with ctx() as session:
        job = FailedJob(task="mail.deliver", queue="mail", tenant_id=store.id, args=[{}], kwargs={}, error="x", attempts=4)
        session.add(job)
        session.commit()
        return {"store": store, "tenant_id": store.id, "job_id": job.id, "action": "suspend"}


@pytest.mark.parametrize("who", ["anonymous", "merchant"])
@pytest.mark.parametrize("endpoint,rule", OPERATOR_RULES)
def test_non_operators_get_404(app, client, ctx, login, create_user, targets, who, endpoint, rule):
    """Anonymous visitors and merchants (even the store's owner) see no console and change nothing."""
    if who == "merchant":
        with ctx() as session:
            from saas.accounts.models import User
            from saas.tenants.models import Membership

            owner_id = session.scalar(select(Membership.user_id).where(Membership.tenant_id == targets["tenant_id"]))
            owner = session.get(User, owner_id)
            session.expunge(owner)
        login(client, owner)
    [app_rule] = [r for r in app.url_map.iter_rules() if r.endpoint == endpoint]
    values = {name: targets[name] for name in app_rule.arguments}
    path = app.url_map.bind(app.config["PLATFORM_HOST"]).build(endpoint, values)
    assert path.startswith("/operator"), path
    method = "POST" if "POST" in app_rule.methods else "GET"
    response = client.open(path, method=method, data={"reason": "probe"})
    assert response.status_code == 404, (method, path)
    with ctx() as session:
        assert session.get(Tenant, targets["tenant_id"]).status == TenantStatus.ACTIVE
        assert session.get(FailedJob, targets["job_id"]).requeued_at is None
        assert session.scalar(select(func.count()).select_from(AuditEvent)) == 0
