"""The shopper's storefront on <slug>.PLATFORM_HOST (and custom domains). Themes replace this page later."""
from flask import g, render_template

from saas.routing import HostBlueprint
from saas.tenants import settings as store_settings

bp = HostBlueprint("storefront", __name__)


@bp.get("/")
def home():
    return render_template("storefront/home.html", tenant=g.tenant, logo=store_settings.logo(g.tenant))
