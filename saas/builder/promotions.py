"""Builder pages for discounts: the list with filters and search, the editor for every kind, and the actions
(turn on or off, duplicate, delete, generate a batch of codes, download the codes).

The editor works without JavaScript: every group of fields shows, the server reads only those that fit the chosen
method and kind, and a picker's Search button posts the whole form back so nothing typed is lost.
"""
import io
from datetime import UTC, datetime

from flask import abort, flash, g, redirect, render_template, request, send_file, url_for
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import BooleanField, Field, FieldList, Form, FormField, RadioField, SelectChoice, StringField
from wtforms.widgets import DateTimeLocalInput

from saas.builder.views import bp
from saas.extensions import db
from saas.formfields import MoneyField, PercentField, WholeNumberField
from saas.ids import parse_id
from saas.orders.management import store_zone
from saas.orm import utcnow
from saas.platform.pagination import paginate
from saas.promotions import exports
from saas.promotions import services as promotions
from saas.promotions.models import Discount, DiscountKind, DiscountMethod, DiscountScope, TargetRole
from saas.promotions.services import DiscountError, DiscountErrors, DiscountFilters, DiscountInput
from saas.validators import strip

PER_PAGE = 50
TIER_ROWS = promotions.MAX_TIERS  # every tier a discount may have fits, so editing never drops one
PICKER_RESULTS = 20
SAMPLE_CODES = 5  # codes shown on the edit page; the CSV has them all

METHOD_LABELS = {
    DiscountMethod.CODE: _l("Discount code"),
    DiscountMethod.AUTOMATIC: _l("Automatic"),
}
METHOD_HINTS = {
    DiscountMethod.CODE: _l("Shoppers type a code at checkout."),
    DiscountMethod.AUTOMATIC: _l("Applies by itself in the cart. Shoppers see its title."),
}
KIND_LABELS = {
    DiscountKind.PERCENTAGE: _l("Percentage off"),
    DiscountKind.FIXED: _l("Fixed amount off"),
    DiscountKind.FREE_SHIPPING: _l("Free shipping"),
    DiscountKind.BUY_X_GET_Y: _l("Buy X get Y"),
    DiscountKind.TIERED: _l("Spend more, save more"),
}
KIND_HINTS = {
    DiscountKind.PERCENTAGE: _l("Such as 10%."),
    DiscountKind.FIXED: _l("Such as Rp 50.000 off."),
    DiscountKind.FREE_SHIPPING: _l("The shipping costs nothing."),
    DiscountKind.BUY_X_GET_Y: _l("Such as buy 2, get 1 free."),
    DiscountKind.TIERED: _l("Such as spend Rp 500.000, save Rp 50.000."),
}
SCOPE_LABELS = {
    DiscountScope.ORDER: _l("Entire order"),
    DiscountScope.PRODUCTS: _l("Specific products"),
    DiscountScope.COLLECTIONS: _l("Specific collections"),
}
GETS_LABELS = {
    "same": _l("The same items they buy"),
    "products": _l("Specific products"),
    "collections": _l("Products from specific collections"),
}
STATE_BADGES = {"active": "badge--success", "scheduled": "badge--warning", "expired": "badge--muted",
                "used_up": "badge--muted", "disabled": "badge--muted"}
# The fields each kind reads: the others may hold anything (they show without JavaScript) and are ignored.
KIND_FIELDS = {
    DiscountKind.PERCENTAGE.value: {"percentage"},
    DiscountKind.FIXED.value: {"amount"},
    DiscountKind.FREE_SHIPPING.value: set(),
    DiscountKind.BUY_X_GET_Y.value: {"buy_quantity", "get_quantity", "get_percentage"},
    DiscountKind.TIERED.value: {"tiers"},
}
PICKERS = ("product_ids", "collection_ids", "get_product_ids", "get_collection_ids")
YEARS = (2000, 2999)  # what a start or end may be in: a typing slip beyond them, and year 1 can't even be moved to UTC


# Fields


def _zone():
    tenant = g.get("tenant")
    return store_zone(tenant.timezone if tenant else None)


class LocalDateTimeField(StringField):
    """A date and time in the store's time zone (a datetime-local input), held in UTC; blank is None."""

    widget = DateTimeLocalInput()

    def process_formdata(self, valuelist):
        text = (valuelist[0] if valuelist else "").strip()
        if not text:
            self.data = None
            return
        for pattern in ("%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"):
            try:
                naive = datetime.strptime(text, pattern)
            except ValueError:
                continue
            if not YEARS[0] <= naive.year <= YEARS[1]:
                self.data = None
                raise ValueError(_l("Enter a date between the years %(first)d and %(last)d.", first=YEARS[0],
                                    last=YEARS[1]))
            self.data = naive.replace(tzinfo=_zone()).astimezone(UTC)
            return
        self.data = None
        raise ValueError(_l("Enter a date and time, such as 2025-03-01 09:00."))

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return self.data.astimezone(_zone()).strftime("%Y-%m-%dT%H:%M") if self.data else ""


class IdListField(Field):
    """The ids of the ticked checkboxes of one name (the template draws them); anything else is dropped."""

    def process_data(self, value):
        self.data = list(value or [])

    def process_formdata(self, valuelist):
        ids = (parse_id(v) for v in valuelist)
        self.data = list(dict.fromkeys(i for i in ids if i is not None))


# Forms


class ActionForm(FlaskForm):
    """A button's form: only the CSRF token."""


class TierForm(Form):
    min_subtotal = MoneyField(_l("Spend at least"))
    amount = MoneyField(_l("Amount saved"))


def _choices(labels: dict) -> list:
    return [SelectChoice(getattr(key, "value", key), label) for key, label in labels.items()]


class DiscountForm(FlaskForm):
    title = StringField(_l("Title"), filters=[strip])
    method = RadioField(_l("Method"), default="code", validate_choice=False, choices=_choices(METHOD_LABELS))
    code = StringField(_l("Discount code"), filters=[strip])
    batch_count = WholeNumberField(_l("Number of codes"))
    batch_prefix = StringField(_l("Start each code with"), filters=[strip])
    batch_single_use = BooleanField(_l("Each code can be used once"))
    kind = RadioField(_l("Type"), default="percentage", validate_choice=False, choices=_choices(KIND_LABELS))
    percentage = PercentField(_l("Percentage off (%)"))
    amount = MoneyField(_l("Amount off"))
    buy_quantity = WholeNumberField(_l("Quantity to buy"))
    get_quantity = WholeNumberField(_l("Quantity they get"))
    get_percentage = PercentField(_l("Discount on those (%)"), default=promotions.BASIS)
    gets = RadioField(_l("The items they get"), default="same", validate_choice=False, choices=_choices(GETS_LABELS))
    tiers = FieldList(FormField(TierForm), min_entries=TIER_ROWS, max_entries=TIER_ROWS)
    scope = RadioField(_l("Applies to"), default="order", validate_choice=False, choices=_choices(SCOPE_LABELS))
    product_ids = IdListField()
    collection_ids = IdListField()
    get_product_ids = IdListField()
    get_collection_ids = IdListField()
    min_subtotal = MoneyField(_l("Minimum purchase amount"))
    min_quantity = WholeNumberField(_l("Minimum number of items"), maximum=promotions.MAX_LIMIT)
    usage_limit = WholeNumberField(_l("Total uses"), maximum=promotions.MAX_LIMIT)
    per_customer_limit = WholeNumberField(_l("Uses per customer"), maximum=promotions.MAX_LIMIT)
    per_code_limit = WholeNumberField(_l("Uses per code"), maximum=promotions.MAX_LIMIT)
    combinable = BooleanField(_l("Combines with other discounts"))
    starts_at = LocalDateTimeField(_l("Starts"))
    ends_at = LocalDateTimeField(_l("Ends"))

    def read_errors(self) -> dict:
        """What couldn't be read, keyed like the service's errors; fields the chosen kind ignores don't count."""
        ignored = set().union(*KIND_FIELDS.values()) - KIND_FIELDS.get(self.kind.data, set())
        if self.method.data == DiscountMethod.AUTOMATIC.value:
            ignored.add("per_code_limit")
        errors = {}
        for name, field in self._fields.items():
            if name == "csrf_token" or name in ignored:
                continue
            if isinstance(field, FieldList):
                for index, entry in enumerate(field.entries):
                    for sub_name, sub in entry.form._fields.items():
                        if sub.errors:
                            errors[f"{name}-{index}-{sub_name}"] = sub.errors[0]
            elif field.errors:
                errors[name] = field.errors[0]
        return errors

    def put_errors(self, errors: dict) -> None:
        """Show exactly `errors` beside their fields (the pickers and radio groups read the dict themselves)."""
        for name, field in self._fields.items():
            if name == "csrf_token":
                continue
            if isinstance(field, FieldList):
                for index, entry in enumerate(field.entries):
                    for sub_name, sub in entry.form._fields.items():
                        message = errors.get(f"{name}-{index}-{sub_name}")
                        sub.errors = [message] if message else []
            else:
                message = errors.get(name)
                field.errors = [message] if message else []

    def to_input(self, show_code: bool, show_batch: bool) -> DiscountInput:
        batch = None
        if show_batch:
            batch = promotions.BatchInput(self.batch_count.data, self.batch_prefix.data or "",
                                          bool(self.batch_single_use.data))
        return DiscountInput(
            title=self.title.data or "", method=self.method.data or "", kind=self.kind.data or "",
            scope=self.scope.data or "", percentage_bp=self.percentage.data, amount=self.amount.data,
            buy_quantity=self.buy_quantity.data, get_quantity=self.get_quantity.data,
            get_percentage_bp=self.get_percentage.data, gets=self.gets.data or "",
            tiers=[(entry.form.min_subtotal.data, entry.form.amount.data) for entry in self.tiers.entries],
            min_subtotal=self.min_subtotal.data, min_quantity=self.min_quantity.data,
            starts_at=self.starts_at.data, ends_at=self.ends_at.data, usage_limit=self.usage_limit.data,
            per_customer_limit=self.per_customer_limit.data, per_code_limit=self.per_code_limit.data,
            combinable=bool(self.combinable.data), code=(self.code.data or "") if show_code else None,
            product_ids=self.product_ids.data, collection_ids=self.collection_ids.data,
            get_product_ids=self.get_product_ids.data, get_collection_ids=self.get_collection_ids.data,
            batch=batch,
        )


class GenerateForm(FlaskForm):
    count = WholeNumberField(_l("Number of codes"))
    prefix = StringField(_l("Start each code with"), filters=[strip])
    single_use = BooleanField(_l("Each code can be used once"))


# Helpers


def _discount(discount_id: int) -> Discount:
    """The bound store's discount, or a 404 (the tenant filter hides every other store's)."""
    discount = promotions.get_discount(discount_id)
    if discount is None:
        abort(404)
    return discount


def _expired():
    flash(_("Your session expired. Please try again."), "error")


def _back(discount_id: int, anchor: str | None = None):
    return redirect(url_for("builder.edit_discount", discount_id=discount_id, _anchor=anchor))


def _form_for(discount: Discount, code: str) -> DiscountForm:
    products, collections = promotions.target_ids(discount)
    get_products, get_collections = promotions.target_ids(discount, TargetRole.GETS)
    tiers = [{"min_subtotal": t.get("min_subtotal"), "amount": t.get("amount")} for t in discount.tiers or []]
    return DiscountForm(formdata=None, data={
        "title": discount.title, "method": discount.method.value, "code": code, "kind": discount.kind.value,
        "percentage": discount.percentage_bp or None, "amount": discount.amount or None,
        "buy_quantity": discount.buy_quantity or None, "get_quantity": discount.get_quantity or None,
        "get_percentage": discount.get_percentage_bp or promotions.BASIS,
        "gets": "products" if get_products else "collections" if get_collections else "same",
        "tiers": tiers[:TIER_ROWS], "scope": discount.scope.value, "product_ids": products,
        "collection_ids": collections, "get_product_ids": get_products, "get_collection_ids": get_collections,
        "min_subtotal": discount.min_subtotal, "min_quantity": discount.min_quantity,
        "usage_limit": discount.usage_limit, "per_customer_limit": discount.per_customer_limit,
        "per_code_limit": discount.per_code_limit, "combinable": discount.combinable,
        "starts_at": discount.starts_at, "ends_at": discount.ends_at,
    })


def _picker(name: str, chosen_ids: list[int], searching: str | None) -> dict:
    """One picker's chosen rows (kept ticked) and the rows matching its search box."""
    query = request.form.get(f"q_{name}", "") if request.method == "POST" else ""
    is_product = "product" in name
    chosen = (promotions.products_by_ids if is_product else promotions.collections_by_ids)(chosen_ids)
    find = promotions.find_products if is_product else promotions.find_collections
    return {"name": name, "products": is_product, "chosen": chosen, "query": query, "focus": searching == name,
            "results": find(query, exclude=[item.id for item in chosen], limit=PICKER_RESULTS)}


def _code_flags(discount: Discount | None, count: int) -> tuple[bool, bool]:
    """(show the code field, show the batch fields): a discount with many codes has no single code to edit."""
    return discount is None or count <= 1, discount is None or count == 0


def _editor(discount: Discount | None, form: DiscountForm, errors: dict | None = None, searching: str | None = None,
            generate_form: GenerateForm | None = None):
    """Render the new or edit page, keeping what was typed."""
    errors = errors or {}
    count = promotions.code_count(discount) if discount is not None else 0
    show_code, show_batch = _code_flags(discount, count)
    pickers = {name: _picker(name, getattr(form, name).data or [], searching) for name in PICKERS}
    context = dict(
        form=form, discount=discount, errors=errors, pickers=pickers, show_code=show_code, show_batch=show_batch,
        code_total=count, method_hints=METHOD_HINTS, kind_hints=KIND_HINTS, zone=_zone_name(), local_time=_local_time,
    )
    if discount is not None:
        now = utcnow()
        context.update(
            state=promotions.state(discount, now), state_labels=promotions.STATE_LABELS, state_badges=STATE_BADGES,
            stats=promotions.stats_for([discount])[discount.id],
            summary=promotions.describe(discount, g.tenant.currency),
            requirement=promotions.requirement(discount, g.tenant.currency),
            sample_codes=promotions.codes_of(discount, SAMPLE_CODES) if count > 1 else [],
            generate_form=generate_form or GenerateForm(prefix="gen", formdata=None),
        )
    return render_template("builder/promotions/edit.html", **context)


def _zone_name() -> str:
    return g.tenant.timezone or "UTC"


def _local_time(moment: datetime | None) -> str:
    """A moment as the store's clock shows it, like the date inputs (Babel alone would show UTC)."""
    return format_datetime(moment.astimezone(_zone()), "short", rebase=False) if moment else ""


def _submit(discount: Discount | None):
    """Validate and save the posted editor; on errors, the page again with every message beside its field."""
    discount_id = discount.id if discount is not None else None
    form = DiscountForm()
    searching = request.form.get("search")
    if searching in PICKERS:  # a picker's Search button: show its matches and save nothing
        return _editor(discount, form, searching=searching)
    if not form.validate_on_submit() and "csrf_token" in form.errors:
        _expired()
        return _editor(discount, form)
    count = promotions.code_count(discount) if discount is not None else 0
    data = form.to_input(*_code_flags(discount, count))
    errors = form.read_errors()
    if errors:
        # What was readable is checked too, so every message shows at once; a reading error wins over a rule's.
        errors = {**promotions.discount_errors(data, discount), **errors}
    else:
        try:
            saved = promotions.save_discount(discount, data)
        except DiscountErrors as error:
            db.session.rollback()
            errors = dict(error.errors)
        else:
            db.session.commit()
            if discount is None:
                flash(_("%(title)s was created.", title=saved.title), "success")
            else:
                flash(_("Saved."), "success")
            return _back(saved.id)
    form.put_errors(errors)
    return _editor(_discount(discount_id) if discount_id is not None else None, form, errors)


# The list


@bp.get("/<slug>/discounts")
def discounts():
    filters = DiscountFilters.from_args(request.args)
    now = utcnow()
    page = paginate(promotions.discount_query(filters, now), request.args.get("page"), PER_PAGE)
    has_any = page.total > 0 or filters.active or db.session.scalar(select(Discount.id).limit(1)) is not None
    return render_template(
        "builder/promotions/list.html", page=page, filters=filters, has_any=has_any, now=now,
        stats=promotions.stats_for(page.items), codes=promotions.code_summaries(page.items),
        state=promotions.state, state_labels=promotions.STATE_LABELS, state_badges=STATE_BADGES,
        method_labels=METHOD_LABELS, describe=promotions.describe, requirement=promotions.requirement,
    )


# Creating and editing


@bp.route("/<slug>/discounts/new", methods=["GET", "POST"])
def new_discount():
    if request.method == "POST":
        return _submit(None)
    form = DiscountForm(formdata=None, data={"starts_at": utcnow().replace(second=0, microsecond=0)})
    if request.args.get("method") == DiscountMethod.AUTOMATIC.value:
        form.method.data = DiscountMethod.AUTOMATIC.value
    return _editor(None, form)


@bp.route("/<slug>/discounts/<int:discount_id>", methods=["GET", "POST"])
def edit_discount(discount_id):
    discount = _discount(discount_id)
    if request.method == "POST":
        return _submit(discount)
    codes = promotions.codes_of(discount, 2)
    return _editor(discount, _form_for(discount, codes[0].code if len(codes) == 1 else ""))


# Actions


def _action(discount_id: int) -> Discount | None:
    """The discount for a button's POST, or None (with a flash) when the session expired."""
    discount = _discount(discount_id)
    if not ActionForm().validate_on_submit():
        _expired()
        return None
    return discount


@bp.post("/<slug>/discounts/<int:discount_id>/enable")
def enable_discount(discount_id):
    discount = _action(discount_id)
    if discount is not None:
        try:
            promotions.set_enabled(discount, True)
        except DiscountError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            db.session.commit()
            flash(_("%(title)s is on.", title=discount.title), "success")
    return _back(discount_id)


@bp.post("/<slug>/discounts/<int:discount_id>/disable")
def disable_discount(discount_id):
    discount = _action(discount_id)
    if discount is not None:
        promotions.set_enabled(discount, False)
        db.session.commit()
        flash(_("%(title)s is off. Shoppers can’t use it until you turn it on again.", title=discount.title),
              "success")
    return _back(discount_id)


@bp.post("/<slug>/discounts/<int:discount_id>/duplicate")
def duplicate_discount(discount_id):
    discount = _action(discount_id)
    if discount is None:
        return _back(discount_id)
    copy = promotions.duplicate_discount(discount)
    db.session.commit()
    if copy.method == DiscountMethod.CODE:
        flash(_("Copy made. It is off: give it a code, save, then turn it on."), "success")
    else:
        flash(_("Copy made. It is off until you turn it on."), "success")
    return _back(copy.id)


@bp.route("/<slug>/discounts/<int:discount_id>/delete", methods=["GET", "POST"])
def delete_discount(discount_id):
    """GET asks (a page, so it works without JavaScript); POST deletes."""
    discount = _discount(discount_id)
    if request.method == "GET":
        return render_template("builder/promotions/delete.html", discount=discount,
                               code_total=promotions.code_count(discount))
    if not ActionForm().validate_on_submit():
        _expired()
        return redirect(url_for("builder.delete_discount", discount_id=discount_id))
    title = discount.title
    promotions.delete_discount(discount)
    db.session.commit()
    flash(_("%(title)s was deleted. Orders that used it keep their discount.", title=title), "success")
    return redirect(url_for("builder.discounts"))


@bp.post("/<slug>/discounts/<int:discount_id>/codes")
def generate_discount_codes(discount_id):
    discount = _discount(discount_id)
    form = GenerateForm(prefix="gen")
    if not form.validate_on_submit():
        if "csrf_token" in form.errors:
            _expired()
            return _back(discount_id, "codes")
    else:
        try:
            codes = promotions.generate_codes(discount, form.count.data, form.prefix.data or "",
                                              bool(form.single_use.data))
        except DiscountErrors as error:
            db.session.rollback()
            for key, message in error.errors.items():
                field = getattr(form, key.removeprefix("batch_"), None)
                if field is not None:
                    field.errors = list(field.errors) + [message]
        except DiscountError as error:
            db.session.rollback()
            flash(str(error), "error")
            return _back(discount_id)
        else:
            db.session.commit()
            flash(ngettext("%(num)d code was added.", "%(num)d codes were added.", len(codes)), "success")
            return _back(discount_id, "codes")
    discount = _discount(discount_id)
    count = promotions.codes_of(discount, 2)
    return _editor(discount, _form_for(discount, count[0].code if len(count) == 1 else ""), generate_form=form)


@bp.get("/<slug>/discounts/<int:discount_id>/codes.csv")
def export_discount_codes(discount_id):
    discount = _discount(discount_id)
    response = send_file(io.BytesIO(exports.codes_csv(discount)), mimetype="text/csv", as_attachment=True,
                         download_name=exports.codes_filename(discount))
    response.headers["Cache-Control"] = "private, no-store"
    return response
