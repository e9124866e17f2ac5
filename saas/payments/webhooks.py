"""What every provider's webhook handler shares: applying each event once."""
from sqlalchemy.exc import IntegrityError

from saas.extensions import db
from saas.orders.models import WebhookEvent


def first_time(provider: str, event_id: str, kind: str = "") -> bool:
    """Record the event for the bound store; False when it was applied before (a repeat changes nothing).

    The unique key on (store, provider, event id) makes this hold under concurrent deliveries too: the
    second insert fails, and the caller skips the event.
    """
    try:
        with db.session.begin_nested():
            db.session.add(WebhookEvent(provider=provider, event_id=event_id[:255], kind=kind[:64]))
    except IntegrityError:
        return False
    return True
