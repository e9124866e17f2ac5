"""A discount's codes as a CSV file, to print on vouchers or send in a mailing."""
import csv
import io

from flask_babel import gettext as _

from saas.catalog.services import slugify
from saas.catalog.transfers import safe_cell
from saas.promotions.models import Discount
from saas.promotions.services import codes_of


def codes_csv(discount: Discount) -> bytes:
    """Code and times used, one row per code, oldest first; UTF-8 with a BOM so that Excel reads it right."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([_("Code"), _("Times used")])
    for code in codes_of(discount):
        writer.writerow([safe_cell(code.code), code.times_used or 0])
    return out.getvalue().encode("utf-8-sig")


def codes_filename(discount: Discount) -> str:
    return f"{slugify(discount.title) or 'discount'}-codes.csv"
