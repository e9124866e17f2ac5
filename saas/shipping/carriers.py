"""Carriers: the common ones (presets, with their public tracking pages) and the ones a merchant adds.

A carrier is named by a code: a preset's ("jne", "dhl" …), "custom:<id>" for one of the store's own Carrier rows,
or "other" when an order ships some other way. Custom codes are looked up in the bound store only, so another
store's carrier is simply unknown.
"""
from dataclasses import dataclass
from urllib.parse import quote

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from saas.extensions import db
from saas.ids import parse_id
from saas.shipping.models import Carrier

CUSTOM_PREFIX = "custom:"
OTHER = "other"
NUMBER = "{number}"  # where a tracking URL takes the tracking number


@dataclass(frozen=True)
class Preset:
    code: str
    name: str
    tracking_url: str  # with {number}; empty when the carrier has no public page to track a number on
    domestic: bool = True


# Indonesia's common couriers, then the international ones most used from Indonesia. GoSend and GrabExpress
# share a live link per delivery instead of a tracking page by number.
PRESETS = {preset.code: preset for preset in (
    Preset("jne", "JNE", "https://www.jne.co.id/tracking-package?awb={number}"),
    Preset("jnt", "J&T Express", "https://jet.co.id/track?awb={number}"),
    Preset("sicepat", "SiCepat", "https://www.sicepat.com/checkAwb?awb={number}"),
    Preset("anteraja", "AnterAja", "https://anteraja.id/tracking?awb={number}"),
    Preset("pos", "Pos Indonesia", "https://www.posindonesia.co.id/id/tracking?barcode={number}"),
    Preset("gosend", "GoSend", ""),
    Preset("grab", "GrabExpress", ""),
    Preset("dhl", "DHL Express", "https://www.dhl.com/id-en/home/tracking.html?tracking-id={number}&submit=1",
           domestic=False),
    Preset("fedex", "FedEx", "https://www.fedex.com/fedextrack/?trknbr={number}", domestic=False),
)}
OTHER_LABEL = _l("Other")


def own_carriers() -> list[Carrier]:
    """The bound store's own carriers, by name."""
    return list(db.session.scalars(select(Carrier).order_by(Carrier.name, Carrier.id)))


def custom_code(carrier: Carrier) -> str:
    return f"{CUSTOM_PREFIX}{carrier.id}"


def _own(code: str) -> Carrier | None:
    """The bound store's carrier named by a "custom:<id>" code, or None."""
    code = str(code or "")
    carrier_id = parse_id(code.removeprefix(CUSTOM_PREFIX)) if code.startswith(CUSTOM_PREFIX) else None
    if carrier_id is None:
        return None
    return db.session.scalar(select(Carrier).where(Carrier.id == carrier_id))


def is_known(code: str, *, allow_other: bool = True) -> bool:
    """Whether `code` names a preset, one of the bound store's own carriers, or (when allowed) "other"."""
    code = str(code or "")
    if code in PRESETS:
        return True
    if code == OTHER:
        return allow_other
    return _own(code) is not None


def choices(*, own: list[Carrier] | None = None, other: bool = True) -> list[tuple[str, str]]:
    """(code, name) pairs for a select: the presets, the store's own carriers, then "Other" when asked for."""
    own = own_carriers() if own is None else own
    pairs = [(preset.code, preset.name) for preset in PRESETS.values()]
    pairs += [(custom_code(carrier), carrier.name) for carrier in own]
    if other:
        pairs.append((OTHER, str(OTHER_LABEL)))
    return pairs


def carrier_name(code: str) -> str:
    """The name shoppers and merchants see for a code; "" for an empty or unknown one."""
    code = str(code or "")
    if code in PRESETS:
        return PRESETS[code].name
    if code == OTHER:
        return str(OTHER_LABEL)
    carrier = _own(code)
    return carrier.name if carrier is not None else ""


def tracking_template(code: str) -> str:
    code = str(code or "")
    if code in PRESETS:
        return PRESETS[code].tracking_url
    carrier = _own(code)
    return carrier.tracking_url if carrier is not None else ""


def fill(template: str, number: str) -> str:
    """A tracking URL template with the number put in (escaped); "" when either is missing."""
    number = str(number or "").strip()
    if not template or not number or NUMBER not in template:
        return ""
    return template.replace(NUMBER, quote(number, safe=""))


def tracking_url(code: str, number: str) -> str:
    """Where a shopper tracks parcel `number` sent with carrier `code`; "" when there is no such page."""
    return fill(tracking_template(code), number)
