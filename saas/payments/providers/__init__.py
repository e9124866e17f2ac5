"""The provider interface: what checkout, webhooks and refunds call, whatever the payment method.

A provider module defines a `Provider` subclass and registers it with `register()`. Manual methods (bank
transfer, cash on delivery) start no payment elsewhere; hosted ones (Stripe Checkout, Midtrans Snap) return a
URL to send the shopper to, confirm payments through signed webhooks, and refund through their API.
"""
from dataclasses import dataclass


class ProviderError(RuntimeError):
    """The provider couldn't be reached or refused a call; str() is safe to show the merchant or shopper."""


class WebhookRejected(ValueError):
    """A webhook that isn't genuine (bad or old signature, malformed): answered 400, changing nothing."""


@dataclass
class Started:
    redirect_url: str | None = None  # None: nothing to do elsewhere, show the order status page


class Provider:
    name = ""
    manual = True  # the merchant confirms payment by hand
    refunds = False  # whether refund() returns the money through the provider

    def start(self, order, payment, return_url: str, cancel_url: str) -> Started:
        """Begin paying `payment` of `order`; called after the order is committed."""
        return Started()

    def handle_webhook(self, request) -> None:
        """Verify and apply one notification for the bound store; raise WebhookRejected when it isn't genuine."""
        raise WebhookRejected("this method takes no webhooks")

    def refund(self, order, payment, amount: int, reason: str) -> str:
        """Return `amount` to the shopper; the provider's refund reference."""
        raise ProviderError("this method can't refund through a provider")


_REGISTRY: dict[str, Provider] = {}


def register(provider: Provider) -> Provider:
    _REGISTRY[provider.name] = provider
    return provider


def get(name: str) -> Provider:
    return _REGISTRY.get(name) or _REGISTRY["bank_transfer"]


def available() -> tuple[str, ...]:
    return tuple(_REGISTRY)


class BankTransfer(Provider):
    name = "bank_transfer"


class CashOnDelivery(Provider):
    name = "cod"


register(BankTransfer())
register(CashOnDelivery())

from saas.payments.providers import midtrans, stripe_checkout  # noqa: E402,F401  (each registers itself)
