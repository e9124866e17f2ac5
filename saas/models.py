"""Imports every model module, so the metadata (and Alembic) sees every table."""
from saas.accounts.models import User  # noqa: F401
from saas.catalog.models import (  # noqa: F401
    CatalogTransfer,
    Collection,
    CollectionProduct,
    CollectionRule,
    InventoryAdjustment,
    Product,
    ProductImage,
    ProductTag,
    SlugRedirect,
    Variant,
)
from saas.content.models import Menu, MenuItem, Page  # noqa: F401
from saas.customers.models import Customer, CustomerAddress  # noqa: F401
from saas.jobs.models import FailedJob  # noqa: F401
from saas.orders.models import (  # noqa: F401
    BankAccount,
    Cart,
    CartLine,
    CheckoutSettings,
    Fulfillment,
    Order,
    OrderCounter,
    OrderEvent,
    OrderLine,
    Payment,
    PaymentMethod,
    Refund,
    WebhookEvent,
)
from saas.platform.models import AuditEvent  # noqa: F401
from saas.promotions.models import Discount, DiscountCode, DiscountTarget, DiscountUsage  # noqa: F401
from saas.shipping.models import (  # noqa: F401
    Carrier,
    PickupLocation,
    ShippingRate,
    ShippingSettings,
    ShippingZone,
    TaxSettings,
)
from saas.storage.models import MediaFile  # noqa: F401
from saas.storefront.models import StoreTheme, Subscriber, ThemeVersion  # noqa: F401
from saas.tenants.models import Domain, Membership, Tenant  # noqa: F401
