"""Forms of the product pages: the product itself, one variant row, options, images and stock."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, HiddenField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import Optional

from saas.catalog.models import AdjustmentReason, ProductStatus
from saas.catalog.services import MAX_STOCK
from saas.formfields import MoneyField, WholeNumberField
from saas.validators import max_length, strip

STATUS_LABELS = {
    ProductStatus.ACTIVE: _l("Active"),
    ProductStatus.DRAFT: _l("Draft"),
    ProductStatus.ARCHIVED: _l("Archived"),
}
REASON_LABELS = {
    AdjustmentReason.RECEIVED: _l("Received"),
    AdjustmentReason.CORRECTION: _l("Correction"),
    AdjustmentReason.DAMAGED: _l("Damaged"),
    AdjustmentReason.RETURNED: _l("Returned"),
    AdjustmentReason.SOLD: _l("Sold"),
    AdjustmentReason.ORDER_CANCELLED: _l("Order cancelled"),
    AdjustmentReason.INITIAL: _l("Initial stock"),
    AdjustmentReason.IMPORTED: _l("Imported"),
}
# What a merchant may pick by hand; "sold", "initial" and "imported" are written by the system.
MANUAL_REASONS = (AdjustmentReason.RECEIVED, AdjustmentReason.CORRECTION, AdjustmentReason.DAMAGED,
                  AdjustmentReason.RETURNED)


class VariantFieldsMixin:
    """The fields of one variant; the simple-product form and the matrix row share them."""

    price = MoneyField(_l("Price"))
    compare_at_price = MoneyField(_l("Compare-at price"))
    cost = MoneyField(_l("Cost per item"))
    sku = StringField(_l("SKU"), filters=[strip], validators=[Optional(), max_length(64)])
    barcode = StringField(_l("Barcode"), filters=[strip], validators=[Optional(), max_length(64)])
    weight_grams = WholeNumberField(_l("Weight (grams)"))
    stock = WholeNumberField(_l("Stock"))
    track_stock = BooleanField(_l("Track stock"))
    allow_backorder = BooleanField(_l("Keep selling when out of stock"))
    low_stock_threshold = WholeNumberField(_l("Low stock at"), maximum=MAX_STOCK)  # its own service has no cap


class ProductForm(VariantFieldsMixin, FlaskForm):
    title = StringField(_l("Title"), filters=[strip])
    description_html = TextAreaField(_l("Description"))
    status = SelectField(_l("Status"), choices=[SelectChoice(s.value, label) for s, label in STATUS_LABELS.items()],
                         default=ProductStatus.DRAFT.value)
    vendor = StringField(_l("Vendor or brand"), filters=[strip], validators=[Optional(), max_length(255)])
    tags = StringField(_l("Tags"))
    slug = StringField(_l("URL handle"), filters=[strip], validators=[Optional(), max_length(200)])
    seo_title = StringField(_l("Page title"), filters=[strip])
    seo_description = TextAreaField(_l("Meta description"), filters=[strip])
    tax_exempt = BooleanField(_l("Tax exempt"))


class VariantForm(VariantFieldsMixin, FlaskForm):
    image_id = SelectField(_l("Image"), choices=[], validate_choice=False)


class OptionsForm(FlaskForm):
    """Three rows of name + comma-separated values; blank rows are ignored."""

    option_0_name = StringField(_l("Option name"), filters=[strip])
    option_0_values = StringField(_l("Values"))
    option_1_name = StringField(_l("Option name"), filters=[strip])
    option_1_values = StringField(_l("Values"))
    option_2_name = StringField(_l("Option name"), filters=[strip])
    option_2_values = StringField(_l("Values"))

    def rows(self):
        return [(getattr(self, f"option_{i}_name"), getattr(self, f"option_{i}_values")) for i in range(3)]

    def options(self) -> list[dict]:
        return [{"name": name.data or "", "values": (values.data or "").split(",")} for name, values in self.rows()]

    def fill(self, options: list[dict]) -> None:
        for index, (name, values) in enumerate(self.rows()):
            if index < len(options):
                name.data = options[index]["name"]
                values.data = ", ".join(options[index]["values"])


class ImageUploadForm(FlaskForm):
    images = FileField(_l("Add images"))
    alt = StringField(_l("Alt text"), filters=[strip], validators=[Optional(), max_length(255)])


class StockAdjustmentForm(FlaskForm):
    variant_id = SelectField(_l("Variant"), choices=[], validate_choice=False)
    change = WholeNumberField(_l("Adjustment"))
    reason = SelectField(_l("Reason"), choices=[SelectChoice(r.value, REASON_LABELS[r]) for r in MANUAL_REASONS])
    note = StringField(_l("Note"), filters=[strip], validators=[Optional(), max_length(255)])


class BulkForm(FlaskForm):
    action = SelectField(_l("Action"), choices=[
        SelectChoice("", _l("Choose an action")),
        SelectChoice("activate", _l("Set as active")),
        SelectChoice("draft", _l("Set as draft")),
        SelectChoice("archive", _l("Archive")),
        SelectChoice("add_tag", _l("Add tag")),
        SelectChoice("remove_tag", _l("Remove tag")),
        SelectChoice("add_to_collection", _l("Add to collection")),
        SelectChoice("delete", _l("Delete")),
    ])
    tag = StringField(_l("Tag"), filters=[strip])
    collection_id = SelectField(_l("Collection"), choices=[], validate_choice=False)
    ids = HiddenField()
