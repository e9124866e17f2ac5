"""The emails an order sends: rendered now in the store's language, delivered by the mail job after commit."""
from flask import has_request_context
from flask_babel import lazy_gettext as _l

from saas import mail
from saas.payments import services as payments
from saas.storage.images import media_url
from saas.templating import format_money
from saas.tenants import settings as store_settings


def _branding(tenant) -> dict:
    from saas.storefront import look

    _theme, data = look.published()
    settings = data["settings"]
    logo = store_settings.logo(tenant)
    return {"tenant": tenant, "accent": settings.get("color_accent", "#0f766e"),
            "logo_url": _logo_url(tenant, logo)}


def _logo_url(tenant, logo) -> str | None:
    """The logo as PNG or JPEG (mail clients don't all show WebP); without a request there is no URL to build."""
    if logo is None or not has_request_context():
        return None
    return _absolute(tenant, media_url(logo, 320, "png" if "png" in (logo.renditions or {}) else "jpg"))


def store_url(tenant, path: str = "/") -> str:
    """An absolute URL on the store's own host, built without a request (jobs send email too)."""
    from flask import current_app

    scheme = current_app.config.get("PREFERRED_URL_SCHEME", "http")
    return f"{scheme}://{tenant.slug}.{current_app.config['PLATFORM_HOST']}{path}"


def _absolute(tenant, path: str | None) -> str | None:
    if not path or path.startswith("http"):
        return path
    return store_url(tenant, path)


def order_placed(order, tenant) -> None:
    """The shopper's confirmation and the merchant's new-order notice."""
    status_url = store_url(tenant, f"/orders/{order.token}")
    context = {**_branding(tenant), "order": order, "status_url": status_url,
               "bank_accounts": payments.bank_accounts() if order.payment_method == "bank_transfer" else []}
    mail.send(order.email, _l("Order %(number)s confirmed", number=order.name), "order_confirmation",
              tenant.locale, tenant_id=tenant.id, **context)
    if tenant.contact_email:
        mail.send(tenant.contact_email, _l("New order %(number)s: %(total)s", number=order.name,
                                           total=format_money(order.total, order.currency)),
                  "order_new", tenant.locale, tenant_id=tenant.id, **context)


def _to_shopper(order, subject, template: str, **extra) -> None:
    from saas.tenants.models import Tenant
    from saas.extensions import db

    tenant = db.session.get(Tenant, order.tenant_id)
    status_url = store_url(tenant, f"/orders/{order.token}")
    mail.send(order.email, subject, template, tenant.locale, tenant_id=tenant.id,
              **{**_branding(tenant), "order": order, "status_url": status_url, **extra})


def payment_received(order) -> None:
    _to_shopper(order, _l("Payment received for order %(number)s", number=order.name), "order_paid")


def order_shipped(order, shipment) -> None:
    _to_shopper(order, _l("Order %(number)s is on its way", number=order.name), "order_shipped", shipment=shipment)


def order_cancelled(order) -> None:
    _to_shopper(order, _l("Order %(number)s was cancelled", number=order.name), "order_cancelled")


def order_refunded(order, refund) -> None:
    _to_shopper(order, _l("Refund for order %(number)s", number=order.name), "order_refunded", refund=refund)
