"""A store's own settings and the onboarding checklist on the builder's home."""
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from saas.accounts.services import normalize_email
from saas.extensions import db
from saas.storage.images import store_image
from saas.storage.models import MediaFile
from saas.tenants.models import Tenant

LOGO_WIDTHS = (160, 320, 640)


@dataclass
class ChecklistItem:
    key: str
    label: str
    done: bool
    url: str | None = None


def update_settings(tenant: Tenant, *, name, contact_email, contact_phone, address, locale, currency, timezone,
                    logo: bytes | None = None, logo_name: str = "", low_stock_threshold: int | None = None) -> None:
    """Apply the settings form; a new logo is re-encoded and stored before anything is flushed."""
    media = store_image(tenant.id, logo, "logo", LOGO_WIDTHS, logo_name) if logo else None
    tenant.name = name.strip()
    tenant.contact_email = normalize_email(contact_email)
    tenant.contact_phone = contact_phone.strip()
    tenant.address = address.strip()
    tenant.locale = locale
    tenant.currency = currency
    tenant.timezone = timezone
    if media is not None:
        tenant.logo_media_id = media.id
    threshold_changed = low_stock_threshold is not None and low_stock_threshold != tenant.low_stock_threshold
    if threshold_changed:
        tenant.low_stock_threshold = low_stock_threshold
    db.session.flush()
    if threshold_changed:
        from saas.catalog.services import refresh_stock_states

        refresh_stock_states(tenant)


def logo(tenant: Tenant) -> MediaFile | None:
    if tenant.logo_media_id is None:
        return None
    return db.session.get(MediaFile, (tenant.id, tenant.logo_media_id))


def onboarding_checklist(tenant: Tenant) -> list[ChecklistItem]:
    """What a new store still has to do. Items for features that aren't built yet are not listed."""
    from flask import url_for

    return [
        ChecklistItem("product", _l("Add a product"), _has_products(),
                      url_for("builder.new_product", slug=tenant.slug)),
        ChecklistItem("settings", _l("Add your logo and contact details"), tenant.logo_media_id is not None,
                      url_for("builder.settings", slug=tenant.slug)),
    ]


def _has_products() -> bool:
    from sqlalchemy import select

    from saas.catalog.models import Product

    return db.session.scalar(select(Product.id).limit(1)) is not None
