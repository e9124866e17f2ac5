"""Forms of the collection pages: the collection itself with its rules editor."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, FieldList, Form, FormField, RadioField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import Optional

from saas.catalog.collections import MAX_RULES, RELATIONS
from saas.catalog.models import CollectionKind, RuleField, RuleRelation, StockState
from saas.validators import max_length, strip

KIND_LABELS = {
    CollectionKind.MANUAL: _l("Manual"),
    CollectionKind.AUTOMATED: _l("Automated"),
}
FIELD_LABELS = {
    RuleField.TAG: _l("Tag"),
    RuleField.VENDOR: _l("Vendor"),
    RuleField.PRICE: _l("Price"),
    RuleField.STOCK: _l("Stock status"),
}
RELATION_LABELS = {
    RuleRelation.EQUALS: _l("is equal to"),
    RuleRelation.NOT_EQUALS: _l("is not equal to"),
    RuleRelation.GREATER_THAN: _l("is greater than"),
    RuleRelation.LESS_THAN: _l("is less than"),
    RuleRelation.CONTAINS: _l("contains"),
}
STOCK_LABELS = {
    StockState.IN_STOCK: _l("In stock"),
    StockState.LOW: _l("Low stock"),
    StockState.OUT: _l("Out of stock"),
    StockState.UNTRACKED: _l("Not tracked"),
}
# The relations each field offers, for the rules editor's script (which hides the others).
RELATIONS_BY_FIELD = {field.value: [relation.value for relation in relations] for field, relations in RELATIONS.items()}
EMPTY_RULES = 3  # rows shown without JavaScript; the "Add condition" button adds more with it


class RuleForm(Form):
    """One condition: field, relation and a value (typed, or a stock state picked from a list)."""

    field = SelectField(_l("Condition"), validate_choice=False, choices=[SelectChoice("", _l("Choose…"))] + [
        SelectChoice(field.value, label) for field, label in FIELD_LABELS.items()])
    relation = SelectField(_l("Relation"), validate_choice=False, choices=[
        SelectChoice(relation.value, label) for relation, label in RELATION_LABELS.items()])
    value = StringField(_l("Value"), filters=[strip], validators=[Optional(), max_length(255)])
    stock = SelectField(_l("Stock status"), validate_choice=False, choices=[SelectChoice("", _l("Choose…"))] + [
        SelectChoice(state.value, label) for state, label in STOCK_LABELS.items()])

    def as_rule(self) -> dict:
        """The row as the service takes it; a stock row's value comes from its list."""
        field = self.field.data or ""
        value = self.value.data or ""
        if field == RuleField.STOCK.value and self.stock.data:
            value = self.stock.data
        return {"field": field, "relation": self.relation.data or "", "value": value}


class CollectionForm(FlaskForm):
    title = StringField(_l("Title"), filters=[strip])
    description_html = TextAreaField(_l("Description"))
    image = FileField(_l("Upload an image"))
    remove_image = BooleanField(_l("Remove the image"))
    kind = RadioField(_l("Collection type"), default=CollectionKind.MANUAL.value, validate_choice=False, choices=[
        SelectChoice(CollectionKind.MANUAL.value, _l("Manual")),
        SelectChoice(CollectionKind.AUTOMATED.value, _l("Automated")),
    ])
    match = RadioField(_l("Products must match"), default="all", validate_choice=False, choices=[
        SelectChoice("all", _l("all conditions")),
        SelectChoice("any", _l("any condition")),
    ])
    rules = FieldList(FormField(RuleForm), min_entries=EMPTY_RULES, max_entries=MAX_RULES + 5)
    slug = StringField(_l("URL handle"), filters=[strip], validators=[Optional(), max_length(200)])
    seo_title = StringField(_l("Page title"), filters=[strip])
    seo_description = TextAreaField(_l("Meta description"), filters=[strip])

    def kind_value(self) -> CollectionKind:
        """The chosen kind; anything unexpected counts as manual rather than failing."""
        return CollectionKind.AUTOMATED if self.kind.data == CollectionKind.AUTOMATED.value else CollectionKind.MANUAL

    def rule_list(self) -> list[dict]:
        return [entry.form.as_rule() for entry in self.rules]
