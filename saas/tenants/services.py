"""Stores: subdomain rules, signup, creating and suspending stores."""
import re
import unicodedata

from flask_babel import gettext as _
from sqlalchemy import func, or_, select

from saas.accounts.models import User
from saas.accounts.services import create_user, find_user, normalize_email
from saas.orm import utcnow
from saas.extensions import db
from saas.platform.models import AuditEvent
from saas.tenants.models import Membership, Role, Tenant, TenantStatus

SLUG_PATTERN = re.compile(r"^[a-z0-9](?:[a-z0-9-]{1,61})[a-z0-9]$")
RESERVED_SLUGS = frozenset(
    """
    www admin administrator api app apps assets auth billing blog cdn checkout dashboard demo dev docs
    etalase ftp help imap localhost login logout mail media mx news ns ns1 ns2 operator operators payments
    pop pop3 root secure shop signup smtp staging static status store stores support test webmail
    """.split()
)
CURRENCIES = ("IDR", "USD", "SGD", "MYR", "EUR")
TIMEZONES = ("Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura", "Asia/Singapore", "Asia/Kuala_Lumpur", "UTC")


class SignupError(ValueError):
    """A signup or store field was refused; `field` names the form field it belongs beside."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


def suggest_slug(name: str) -> str:
    """A subdomain made from a store name: 'Batik Sari!' becomes 'batik-sari'."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")
    return slug[:63].strip("-")


def slug_problem(slug: str) -> str | None:
    """Why `slug` can't be a subdomain, or None."""
    if not 3 <= len(slug) <= 63:
        return _("Use 3 to 63 characters.")
    if not SLUG_PATTERN.match(slug) or "--" in slug:
        return _("Use lowercase letters, digits and single hyphens, starting and ending with a letter or digit.")
    if slug in RESERVED_SLUGS:
        return _("This address is reserved. Choose another.")
    if db.session.scalar(select(Tenant.id).where(Tenant.slug == slug)):
        return _("This address is taken. Choose another.")
    return None


def create_store(owner: User, name: str, slug: str, contact_email: str | None = None, locale: str | None = None) -> Tenant:
    problem = slug_problem(slug)
    if problem:
        raise SignupError("subdomain", problem)
    tenant = Tenant(
        slug=slug,
        name=name.strip(),
        contact_email=normalize_email(contact_email or owner.email),
        locale=locale or owner.locale,
    )
    db.session.add(tenant)
    db.session.flush()
    db.session.add(Membership(user_id=owner.id, tenant_id=tenant.id, role=Role.OWNER))
    db.session.flush()
    from saas.content.services import create_default_content  # here: content imports the catalog, which is heavier

    create_default_content(tenant)  # About, Contact, FAQ, the policies and the menus, for the merchant to edit
    from saas.shipping.services import create_defaults as create_default_shipping

    create_default_shipping(tenant)  # an Indonesia zone with a flat rate, so checkout works from the first day
    return tenant


def sign_up(name: str, email: str, password: str, store_name: str, slug: str, locale: str) -> tuple[User, Tenant]:
    """Create the user, the store and the owner membership together; the caller commits once."""
    if find_user(email):
        raise SignupError("email", _("An account with this email exists. Log in instead."))
    user = create_user(email, password, name, locale=locale)
    tenant = create_store(user, store_name, slug, locale=locale)
    return user, tenant


def stores_of(user: User) -> list[Tenant]:
    return list(
        db.session.scalars(select(Tenant).join(Membership).where(Membership.user_id == user.id).order_by(Tenant.name))
    )


def membership(user: User, tenant: Tenant) -> Membership | None:
    return db.session.scalar(
        select(Membership).where(Membership.user_id == user.id, Membership.tenant_id == tenant.id)
    )


def store_by_slug(slug: str) -> Tenant | None:
    return db.session.scalar(select(Tenant).where(Tenant.slug == slug))


def set_status(tenant: Tenant, status: TenantStatus, actor: User, reason: str = "") -> None:
    """Suspend or reactivate a store and record who did it."""
    if tenant.status == status:
        return
    tenant.status = status
    tenant.suspended_at = utcnow() if status == TenantStatus.SUSPENDED else None
    action = "store.suspended" if status == TenantStatus.SUSPENDED else "store.reactivated"
    db.session.add(AuditEvent(actor_id=actor.id, tenant_id=tenant.id, action=action, details={"reason": reason}))
    db.session.flush()


def search_stores(query: str = "", status: str | None = None):
    """A select of stores matching name, slug or an owner's email, newest first (for the operator console)."""
    statement = select(Tenant).order_by(Tenant.created_at.desc(), Tenant.id.desc())
    query = (query or "").strip().lower()
    if query:
        escaped = query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        pattern = f"%{escaped}%"
        owners = (
            select(Membership.tenant_id)
            .join(User, User.id == Membership.user_id)
            .where(Membership.role == Role.OWNER, User.email.like(pattern, escape="\\"))
        )
        statement = statement.where(
            or_(func.lower(Tenant.name).like(pattern, escape="\\"), Tenant.slug.like(pattern, escape="\\"), Tenant.id.in_(owners))
        )
    if status in {s.value for s in TenantStatus}:
        statement = statement.where(Tenant.status == status)
    return statement


def owners_of(tenant_ids: list[int]) -> dict[int, list[User]]:
    """The owners of each store, in one query."""
    result: dict[int, list[User]] = {tenant_id: [] for tenant_id in tenant_ids}
    if not tenant_ids:
        return result
    rows = db.session.execute(
        select(Membership.tenant_id, User)
        .join(User, User.id == Membership.user_id)
        .where(Membership.tenant_id.in_(tenant_ids), Membership.role == Role.OWNER)
        .order_by(User.email)
    )
    for tenant_id, user in rows:
        result[tenant_id].append(user)
    return result
