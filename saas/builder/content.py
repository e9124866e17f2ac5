"""Builder pages for content: the store's pages (About, FAQ, policies …) and its navigation menus.

The menu editor is one form that posts every row in order (title, link, URL, depth). Its move, nest and
remove buttons post the same form with `op`, so they work without JavaScript; menus.js does them in place
and adds dragging, and then the merchant saves once.
"""
from dataclasses import dataclass, field

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import RadioField, SelectChoice, StringField, TextAreaField
from wtforms.validators import Optional

from saas.builder.views import bp
from saas.catalog.models import Collection, Product
from saas.content import services as content
from saas.content.models import MENU_HANDLES, LinkType, Page
from saas.extensions import db
from saas.validators import max_length, strip
from saas.ids import parse_id

MENU_LABELS = {"main": _l("Main menu"), "footer": _l("Footer menu")}
MENU_HINTS = {
    "main": _l("The links at the top of every page of your store."),
    "footer": _l("The links at the bottom of every page, such as your policies and contact page."),
}
LINK_LABELS = {
    LinkType.HOME: _l("Home page"),
    LinkType.ALL_PRODUCTS: _l("All products"),
    LinkType.COLLECTION: _l("Collection"),
    LinkType.PRODUCT: _l("Product"),
    LinkType.PAGE: _l("Page"),
    LinkType.URL: _l("Web address"),
}
PICK_LIMIT = 300  # products a menu item's list starts with (the newest); the search box beside it finds the rest


class PageForm(FlaskForm):
    title = StringField(_l("Title"), filters=[strip])
    body_html = TextAreaField(_l("Content"))
    published = RadioField(_l("Visibility"), default="visible", validate_choice=False, choices=[
        SelectChoice("visible", _l("Visible")), SelectChoice("hidden", _l("Hidden"))])
    slug = StringField(_l("URL handle"), filters=[strip], validators=[Optional(), max_length(200)])
    seo_title = StringField(_l("Page title"), filters=[strip])
    seo_description = TextAreaField(_l("Meta description"), filters=[strip])


class MenuForm(FlaskForm):
    """Only the CSRF token: the rows are read from the request, since their number changes."""


def _page(page_id: int) -> Page:
    """The bound store's page, or a 404 (the tenant filter hides every other store's)."""
    page = content.page_by_id(page_id)
    if page is None:
        abort(404)
    return page


def _put_errors(form, errors: dict) -> None:
    for key, message in errors.items():
        target = getattr(form, key, None)
        if target is not None and hasattr(target, "errors"):
            target.errors = list(target.errors) + [message]
        else:
            flash(str(message), "error")


def _save_page(form: PageForm, page: Page | None):
    try:
        return content.save_page(
            page, title=form.title.data or "", body_html=form.body_html.data or "", slug=form.slug.data or "",
            seo_title=form.seo_title.data or "", seo_description=form.seo_description.data or "",
            published=form.published.data != "hidden",
        ), {}
    except content.ContentErrors as error:
        db.session.rollback()
        return None, dict(error.errors)


# Pages


@bp.get("/<slug>/pages")
def pages():
    return render_template("builder/content/pages.html", pages=content.all_pages())


@bp.route("/<slug>/pages/new", methods=["GET", "POST"])
def new_page():
    form = PageForm()
    if form.validate_on_submit():
        page, errors = _save_page(form, None)
        if page is not None:
            db.session.commit()
            flash(_("%(title)s was added.", title=page.title), "success")
            return redirect(url_for("builder.edit_page", page_id=page.id))
        _put_errors(form, errors)
    return render_template("builder/content/page.html", form=form, page=None)


@bp.route("/<slug>/pages/<int:page_id>", methods=["GET", "POST"])
def edit_page(page_id):
    page = _page(page_id)
    if request.method == "GET":
        form = PageForm(formdata=None, data={
            "title": page.title, "body_html": page.body_html, "slug": page.slug, "seo_title": page.seo_title,
            "seo_description": page.seo_description, "published": "visible" if page.published else "hidden"})
        return render_template("builder/content/page.html", form=form, page=page)
    form = PageForm()
    if form.validate_on_submit():
        saved, errors = _save_page(form, page)
        if saved is not None:
            db.session.commit()
            flash(_("Saved."), "success")
            return redirect(url_for("builder.edit_page", page_id=page_id))
        _put_errors(form, errors)
        page = _page(page_id)
    return render_template("builder/content/page.html", form=form, page=page)


@bp.route("/<slug>/pages/<int:page_id>/delete", methods=["GET", "POST"])
def delete_page(page_id):
    """GET asks (a page, so it works without JavaScript); POST deletes."""
    page = _page(page_id)
    if request.method == "GET":
        return render_template("builder/content/delete_page.html", page=page, form=MenuForm())
    if not MenuForm().validate_on_submit():
        abort(400)
    title = page.title
    content.delete_page(page)
    db.session.commit()
    flash(_("%(title)s was deleted.", title=title), "success")
    return redirect(url_for("builder.pages"))


# Navigation


@bp.get("/<slug>/navigation")
def navigation():
    menus = []
    for handle in MENU_HANDLES:
        menu = content.menu_by_handle(handle)
        items = content.menu_items(menu) if menu is not None else []
        menus.append({"handle": handle, "label": MENU_LABELS[handle], "hint": MENU_HINTS[handle],
                      "titles": [item.title for item in items if item.parent_id is None], "count": len(items)})
    return render_template("builder/content/navigation.html", menus=menus)


@dataclass
class Row:
    """One line of the menu editor, as posted or as saved."""

    title: str = ""
    link: str = ""  # "home", "all_products", "url", or "collection:<id>", "product:<id>", "page:<id>"
    url: str = ""
    depth: int = 0
    broken: bool = False
    errors: dict = field(default_factory=dict)

    @property
    def blank(self) -> bool:
        return not self.title.strip() and not self.link and not self.url.strip()

    def as_item(self) -> dict:
        link_type, _sep, target = self.link.partition(":")
        return {"title": self.title, "link_type": link_type, "target_id": target or None, "url": self.url,
                "children": []}


def _rows_from_menu(handle: str) -> list[Row]:
    menu = content.menu_by_handle(handle)
    if menu is None:
        return []
    items = content.menu_items(menu)
    broken = content.broken_item_ids(items)
    rows = []
    for item in items:
        link_type = LinkType(item.link_type)
        link = f"{link_type.value}:{item.target_id}" if link_type in content.TARGET_MODELS else link_type.value
        rows.append(Row(title=item.title, link="" if item.id in broken else link, url=item.url,
                        depth=1 if item.parent_id else 0, broken=item.id in broken))
    return rows


def _rows_from_form() -> list[Row]:
    titles, links = request.form.getlist("title"), request.form.getlist("link")
    urls, depths = request.form.getlist("url"), request.form.getlist("depth")
    count = min(len(titles), len(links), len(urls), len(depths), content.MAX_MENU_ITEMS + 50)
    return [Row(title=titles[i][:300], link=links[i][:40], url=urls[i][:content.MAX_URL + 10],
                depth=1 if depths[i] == "1" else 0) for i in range(count)]


def _block_end(rows: list[Row], start: int) -> int:
    """The index after a top-level row and the rows nested under it."""
    end = start + 1
    while end < len(rows) and rows[end].depth == 1:
        end += 1
    return end


def apply_op(rows: list[Row], op: str) -> str | None:
    """Move, nest or remove one row in place, as the buttons ask; returns a message when it can't be done."""
    action, _sep, index = op.partition("-")
    i = parse_id(index)
    if i is None or i >= len(rows):
        return None
    row = rows[i]
    if action == "remove":
        if row.depth == 0:  # what was nested under it moves up a level rather than disappearing
            for child in rows[i + 1:_block_end(rows, i)]:
                child.depth = 0
        del rows[i]
    elif action == "indent":
        if row.depth == 1 or i == 0:
            return None
        if _block_end(rows, i) > i + 1:
            return _("%(title)s has items nested under it; menus can be nested one level only.", title=row.title)
        row.depth = 1
    elif action == "outdent" and row.depth == 1:
        parent = max((j for j in range(i) if rows[j].depth == 0), default=None)
        end = _block_end(rows, parent) if parent is not None else i + 1
        rows.insert(end - 1, rows.pop(i))  # after its siblings, which stay nested under their item
        rows[end - 1].depth = 0
    elif action in ("up", "down") and row.depth == 0:
        end = _block_end(rows, i)
        block = rows[i:end]
        if action == "up":
            previous = max((j for j in range(i) if rows[j].depth == 0), default=None)
            if previous is not None:
                rows[previous:end] = block + rows[previous:i]
        else:
            if end < len(rows):
                after = _block_end(rows, end)
                rows[i:after] = rows[end:after] + block
    elif action in ("up", "down"):
        j = i - 1 if action == "up" else i + 1
        if 0 <= j < len(rows) and rows[j].depth == 1:
            rows[i], rows[j] = rows[j], rows[i]
    return None


def _nested(rows: list[Row]) -> tuple[list[dict], list[int]]:
    """The rows that aren't blank as save_menu's nested items, and each one's row number (depth-first)."""
    items, order = [], []
    for index, row in enumerate(rows):
        if row.blank:
            continue
        item = row.as_item()
        if row.depth == 1 and items:
            items[-1]["children"].append(item)
        else:
            items.append(item)
        order.append(index)
    return items, order


def _choices() -> dict:
    collections = db.session.execute(select(Collection.id, Collection.title).order_by(Collection.title)).all()
    products = db.session.execute(
        select(Product.id, Product.title).order_by(Product.created_at.desc()).limit(PICK_LIMIT)).all()
    products = sorted(products, key=lambda row: row.title.lower())
    pages_ = db.session.execute(select(Page.id, Page.title).order_by(Page.title)).all()
    return {"collections": collections, "products": products, "pages": pages_}


def _add_missing_products(choices: dict, rows: list[Row]) -> None:
    """A linked product beyond the newest PICK_LIMIT is still offered in its own row's list."""
    offered = {row.id for row in choices["products"]}
    wanted = {parse_id(row.link.split(":")[1]) for row in rows if row.link.startswith("product:")} - offered - {None}
    if wanted:
        extra = db.session.execute(select(Product.id, Product.title).where(Product.id.in_(wanted))).all()
        choices["products"] = sorted([*choices["products"], *extra], key=lambda row: row.title.lower())


def _editor(handle: str, rows: list[Row], form: MenuForm, status: int = 200):
    rows = [row for row in rows if not row.blank]  # the "add" row is always drawn empty after the list
    choices = _choices()
    _add_missing_products(choices, rows)
    return render_template("builder/content/menu.html", handle=handle, label=MENU_LABELS[handle], rows=rows,
                           form=form, choices=choices, link_labels=LINK_LABELS,
                           max_items=content.MAX_MENU_ITEMS), status


@bp.route("/<slug>/navigation/<handle>", methods=["GET", "POST"])
def edit_menu(handle):
    if handle not in MENU_HANDLES:
        abort(404)
    form = MenuForm()
    if request.method == "GET":
        return _editor(handle, _rows_from_menu(handle), form)
    if not form.validate_on_submit():
        flash(_("Your session expired. Please try again."), "error")
        return _editor(handle, _rows_from_form(), form, 400)
    rows = _rows_from_form()
    op = request.form.get("op", "")
    if op and op != "save":
        problem = apply_op(rows, op)
        if problem:
            flash(problem, "error")
            return _editor(handle, rows, form)
    items, order = _nested(rows)
    try:
        content.save_menu(handle, items, title=str(MENU_LABELS[handle]))
    except content.ContentErrors as error:
        db.session.rollback()
        for key, message in error.errors.items():
            parts = key.split("_")
            if len(parts) == 3 and parse_id(parts[1]) is not None and parse_id(parts[1]) < len(order):
                rows[order[parse_id(parts[1])]].errors[parts[2]] = message
            else:
                flash(str(message), "error")
        flash(_("The menu was not saved. Check the items marked below."), "error")
        return _editor(handle, rows, form)
    db.session.commit()
    flash(_("Menu saved."), "success")
    return redirect(url_for("builder.edit_menu", handle=handle))
