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
                    logo: bytes | None = None, logo_name: str = "") -> None:
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
    db.session.flush()


def logo(tenant: Tenant) -> MediaFile | None:
    if tenant.logo_media_id is None:
        return None
    return db.session.get(MediaFile, (tenant.id, tenant.logo_media_id))


def onboarding_checklist(tenant: Tenant) -> list[ChecklistItem]:
    """What a new store still has to do. Items for features that aren't built yet are not listed."""
    from flask import url_for

    return [
        ChecklistItem("settings", _l("Add your logo and contact details"), tenant.logo_media_id is not None,
                      url_for("builder.settings", slug=tenant.slug)),
    ]
