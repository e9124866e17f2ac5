"""A store's look: which theme, its settings and page compositions; the draft, publishing, and rendering."""
import copy
import functools
import re
import uuid

from flask_babel import get_translations
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from sqlalchemy import select

from saas.extensions import db
from saas.ids import new_id
from saas.orm import utcnow
from saas.tenants.scoping import current_tenant_id
from saas.storefront.models import StoreTheme, Subscriber, ThemeVersion
from saas.storefront.themes import COMPOSED, GROUPS, MAX_BLOCKS, MAX_SECTIONS, PAGES, Theme, clean_settings, css_variables, get_theme, themes


_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")


class LookError(ValueError):
    """A change to the draft that can't be made; str() is a message for the merchant."""


def _theme_row() -> StoreTheme | None:
    return db.session.scalar(select(StoreTheme).order_by(StoreTheme.created_at, StoreTheme.id).limit(1))


def store_theme() -> StoreTheme:
    """The bound store's theme row, made on first use."""
    row = _theme_row()
    if row is None:
        row = StoreTheme(id=new_id())
        db.session.add(row)
        db.session.flush()
    return row


# Built once: the statement is the same for every store (the tenant filter is added when it runs).
_PUBLISHED_VERSION_ID = select(StoreTheme.published_version_id).order_by(StoreTheme.created_at, StoreTheme.id).limit(1)


def published() -> tuple[Theme, dict]:
    """What shoppers see: the published version, or the default theme's own look before anything is published.

    Both are shared, read-only values: callers that change a look copy it first (as start_draft does).
    """
    version_id = db.session.scalar(_PUBLISHED_VERSION_ID)
    look = _version_look(current_tenant_id(), version_id) if version_id is not None else None
    if look is None:
        return _default_look(get_theme(None))
    return look


def _default_look(theme: Theme) -> tuple[Theme, dict]:
    """A theme's own look, normalized once per process: it depends only on the theme's files, read at start-up."""
    cached = theme.__dict__.get("_normalized_default_look")
    if cached is None:
        cached = theme.__dict__["_normalized_default_look"] = normalize(theme, theme.default_look())
    return theme, cached


@functools.lru_cache(maxsize=1024)
def _version_look(tenant_id: int, version_id: int) -> tuple[Theme, dict] | None:
    """A published version, normalized once per process: versions never change, so it is shared (read-only)."""
    version = db.session.scalar(select(ThemeVersion).where(ThemeVersion.id == version_id))
    if version is None:
        return None
    theme = get_theme(version.theme)
    return theme, normalize(theme, version.data)


def draft() -> tuple[Theme, dict] | None:
    row = store_theme()
    if row.draft_theme is None:
        return None
    theme = get_theme(row.draft_theme)
    return theme, normalize(theme, row.draft_data)


def start_draft(theme_name: str) -> tuple[Theme, dict]:
    """Begin editing: from what is live when it is the same theme, else from the theme's own defaults."""
    if theme_name not in themes() or theme_name == "base":
        raise LookError(_l("That theme doesn't exist."))
    live_theme, live_data = published()
    theme = get_theme(theme_name)
    data = copy.deepcopy(live_data) if live_theme.name == theme_name else normalize(theme, theme.default_look())
    save_draft(theme, data)
    return theme, data


def save_draft(theme: Theme, data: dict) -> None:
    row = store_theme()
    row.draft_theme = theme.name
    row.draft_data = normalize(theme, data)
    row.draft_saved_at = utcnow()
    db.session.flush()


def discard_draft() -> None:
    row = store_theme()
    row.draft_theme, row.draft_data, row.draft_saved_at = None, None, None
    db.session.flush()


def publish(user_name: str = "") -> ThemeVersion:
    """Make the draft live in one step: a new version, and the pointer moved to it, in the same transaction."""
    row = store_theme()
    if row.draft_theme is None:
        raise LookError(_l("There is no draft to publish."))
    theme = get_theme(row.draft_theme)
    version = ThemeVersion(id=new_id(), theme=theme.name, data=normalize(theme, row.draft_data),
                           published_at=utcnow(), published_by=user_name[:255])
    db.session.add(version)
    db.session.flush()
    row.published_version_id = version.id
    row.draft_theme, row.draft_data, row.draft_saved_at = None, None, None
    db.session.flush()
    return version


def versions(limit: int = 20) -> list[ThemeVersion]:
    return list(db.session.scalars(select(ThemeVersion).order_by(ThemeVersion.published_at.desc()).limit(limit)))


def restore(version_id: int, user_name: str = "") -> ThemeVersion:
    """Publish an earlier version again (as a new version, so the history only grows)."""
    version = db.session.scalar(select(ThemeVersion).where(ThemeVersion.id == version_id))
    if version is None:
        raise LookError(_l("That version doesn't exist."))
    theme = get_theme(version.theme)
    save_draft(theme, version.data)
    return publish(user_name)


def normalize(theme: Theme, data: dict | None) -> dict:
    """The look with every setting cleaned by its type, unknown sections dropped and limits applied."""
    data = data or {}
    look = {"settings": clean_settings(theme.settings_schema, data.get("settings")), "templates": {}}
    templates = data.get("templates") or {}
    if templates and "header" not in templates:
        templates = _with_header_group(theme, templates)
    for page in COMPOSED:
        composition = templates.get(page) or theme.page_template(page)
        sections, order = {}, []
        for section_id in composition.get("order", [])[:MAX_SECTIONS]:
            section = (composition.get("sections") or {}).get(section_id)
            schema = theme.sections.get((section or {}).get("type"))
            if schema is None or section_id in sections or not _ID.match(str(section_id)):
                continue
            blocks, block_order = {}, []
            for block_id in (section.get("block_order") or [])[: schema.max_blocks]:
                block = (section.get("blocks") or {}).get(block_id) or {}
                block_schema = schema.block_schema(block.get("type"))
                if block_schema is not None and _ID.match(str(block_id)) and block_id not in blocks:
                    blocks[block_id] = {"type": block["type"],
                                        "settings": clean_settings(block_schema.get("settings", []), block.get("settings"))}
                    block_order.append(block_id)
            sections[section_id] = {"type": schema.type, "disabled": bool(section.get("disabled")),
                                    "settings": clean_settings(schema.settings, section.get("settings")),
                                    "blocks": blocks, "block_order": block_order}
            order.append(section_id)
        look["templates"][page] = {"sections": sections, "order": order}
    return look


def _with_header_group(theme: Theme, templates: dict) -> dict:
    """A look saved before header groups existed: its announcement bars move from the pages above the header."""
    templates = copy.deepcopy(templates)
    header = {"sections": {}, "order": []}
    for page in PAGES:
        composition = templates.get(page) or {}
        for section_id in list(composition.get("order") or []):
            section = (composition.get("sections") or {}).get(section_id) or {}
            schema = theme.sections.get(section.get("type"))
            if schema is not None and schema.addable_to("header") and not schema.addable_to(page):
                composition["order"].remove(section_id)
                header["sections"][section_id] = composition["sections"].pop(section_id)
                header["order"].append(section_id)
    templates["header"] = header
    return templates


def setting_values(theme: Theme, composition: dict, setting_type: str) -> set[str]:
    """Every value that a page's sections and blocks give to settings of one type (e.g. the products they name)."""
    values = set()
    for section in composition["sections"].values():
        schema = theme.sections.get(section["type"])
        if schema is None:
            continue
        placed = [(schema.settings, section.get("settings", {}))]
        placed += [((schema.block_schema(block.get("type")) or {}).get("settings", []), block.get("settings", {}))
                   for block in section.get("blocks", {}).values()]
        for settings, chosen in placed:
            values |= {str(chosen[s["id"]]) for s in settings if s.get("type") == setting_type and chosen.get(s.get("id"))}
    return values


def new_section_id(section_type: str) -> str:
    return f"{section_type}-{uuid.uuid4().hex[:8]}"


def add_section(theme: Theme, data: dict, page: str, section_type: str) -> str:
    schema = theme.sections.get(section_type)
    if schema is None or not schema.addable_to(page):
        raise LookError(_l("That section can't be added to this page."))
    composition = data["templates"][page]
    if len(composition["order"]) >= MAX_SECTIONS:
        raise LookError(_l("A page can have at most %(n)d sections.", n=MAX_SECTIONS))
    section_id = new_section_id(section_type)
    preset = schema.presets[0] if schema.presets else {}
    blocks, block_order = {}, []
    for block in preset.get("blocks", [])[:MAX_BLOCKS]:
        block_id = new_section_id(block["type"])
        blocks[block_id] = {"type": block["type"], "settings": block.get("settings", {})}
        block_order.append(block_id)
    composition["sections"][section_id] = {"type": section_type, "settings": preset.get("settings", {}),
                                           "blocks": blocks, "block_order": block_order, "disabled": False}
    composition["order"].append(section_id)
    return section_id


# Rendering


# What the layout puts around every page's content, the same on every page of a store (snippets/header.html
# reads search_query only on the search page, which builds its own).
CHROME_SNIPPETS = {"site_header": "header", "site_footer": "footer", "mini_cart": "mini-cart"}


def render_page(page: str, context: dict, look: tuple[Theme, dict] | None = None, preview: bool = False,
                remember=None) -> str:
    """A storefront page: its sections (for composed pages) or its template, inside the theme's layout.

    remember(key, build), when given, keeps the store-wide chrome (header group, header, footer, mini cart)
    that build() renders; pages whose chrome depends on the page (search) and previews build their own."""
    theme, data = look or published()
    env = theme.environment
    settings = data["settings"]
    shared = {**context, **_translators(), "settings": settings, "page_type": page, "preview": preview}
    if page in PAGES:
        content = _render_sections(env, data["templates"][page], shared)
    else:
        content = Markup(env.get_template(f"templates/{page}.html").render(shared))

    def chrome() -> dict:
        parts = {f"{group}_group": _render_sections(env, data["templates"][group], shared) for group in GROUPS}
        parts.update({name: Markup(env.get_template(f"snippets/{snippet}.html").render(shared))
                      for name, snippet in CHROME_SNIPPETS.items()})
        return parts

    store_wide = remember is not None and not preview and not context.get("search_query")
    parts = remember(("chrome", theme.name), chrome) if store_wide else chrome()
    return env.get_template("layout.html").render({**shared, **parts, "content_for_layout": content,
                                                   "theme_css": css_variables(theme, settings)})


def render_snippet(name: str, context: dict) -> str:
    """One snippet of the published theme on its own, for a script that replaces part of a page."""
    theme, data = published()
    return theme.environment.get_template(f"snippets/{name}.html").render({**context, "settings": data["settings"]})


def bound_gettext():
    """gettext() bound to this request's catalog, for code that translates many strings for one page."""
    return _translators()["_"]


def _translators() -> dict:
    """The theme's gettext functions bound to this request's catalog once, rather than looked up on each of a
    page's many calls. They behave as Flask-Babel's do (theme_globals installs those for anything else)."""
    translations = get_translations()

    def gettext(string, **variables):
        text = translations.ugettext(string)
        return text % variables if variables else text

    def ngettext(singular, plural, num, **variables):
        variables.setdefault("num", num)
        text = translations.ungettext(singular, plural, num)
        return text % variables if variables else text

    return {"_": gettext, "gettext": gettext, "ngettext": ngettext}


def _render_sections(env, composition: dict, shared: dict) -> Markup:
    parts = []
    for section_id in composition["order"]:
        section = composition["sections"][section_id]
        if section.get("disabled"):
            continue
        html = _render_section(env, section_id, section, shared)
        parts.append(Markup(f'<div class="section section--{section["type"]}" id="section-{section_id}" '
                            f'data-section-id="{section_id}">') + html + Markup("</div>"))
    return Markup("\n").join(parts)


def _render_section(env, section_id: str, section: dict, shared: dict) -> Markup:
    blocks = [{"id": block_id, **section["blocks"][block_id]} for block_id in section["block_order"]]
    template = env.get_template(f"sections/{section['type']}.html")
    return Markup(template.render({**shared, "section": {"id": section_id, "type": section["type"],
                                                         "settings": section["settings"], "blocks": blocks}}))


def render_section(page: str, section_id: str, section_type: str, context: dict,
                   look: tuple[Theme, dict] | None = None, preview: bool = False) -> Markup | None:
    """One shown section of a page on its own, without its wrapper, for a script that fills it in after the page
    has loaded; None when the page has no shown section of that id and type."""
    theme, data = look or published()
    composition = data["templates"].get(page) if page in PAGES else None
    section = composition["sections"].get(section_id) if composition and isinstance(section_id, str) else None
    if section is None or section.get("disabled") or section["type"] != section_type:
        return None
    shared = {**context, **_translators(), "settings": data["settings"], "page_type": page, "preview": preview}
    return _render_section(theme.environment, section_id, section, shared)


def subscribe(email: str) -> bool:
    """Keep a newsletter signup; False when the address isn't one. Signing up twice is fine."""
    from email_validator import EmailNotValidError, validate_email

    from saas.accounts.services import normalize_email

    try:
        validate_email(email or "", check_deliverability=False, test_environment=True)
    except EmailNotValidError:
        return False
    address = normalize_email(email)[:254]
    if db.session.scalar(select(Subscriber.id).where(Subscriber.email == address)) is None:
        db.session.add(Subscriber(id=new_id(), email=address))
        db.session.flush()
    return True


# Draft previews: a signed, expiring token that names the store, the member and what to show

PREVIEW_MAX_AGE = 3600


def _preview_serializer():
    from flask import current_app
    from itsdangerous import URLSafeTimedSerializer

    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="theme-preview")


def preview_token(tenant_id: int, user_id: int, theme_name: str | None = None) -> str:
    """A token for the storefront iframe: the draft (theme_name None) or a theme from the gallery."""
    return _preview_serializer().dumps({"t": str(tenant_id), "u": str(user_id), "theme": theme_name})


def look_for_preview(token: str, tenant_id: int) -> tuple[Theme, dict] | None:
    """The look a valid preview token asks for, or None (bad, expired, other store, or not a member any more)."""
    from itsdangerous import BadData

    from saas.tenants.models import Membership

    try:
        data = _preview_serializer().loads(token, max_age=PREVIEW_MAX_AGE)
    except BadData:
        return None
    if not isinstance(data, dict) or data.get("t") != str(tenant_id) or not str(data.get("u", "")).isdigit():
        return None
    is_member = db.session.scalar(select(Membership.id).where(
        Membership.tenant_id == tenant_id, Membership.user_id == int(data["u"])))
    if not is_member:
        return None
    if data.get("theme"):
        if data["theme"] not in themes() or data["theme"] == "base":
            return None
        theme = get_theme(data["theme"])
        return theme, normalize(theme, theme.default_look())
    return draft() or published()


# Editing the draft, one change at a time (the editor posts these; each returns the changed look)


def move(items: list, item_id: str, step: int) -> None:
    if item_id in items:
        index = items.index(item_id)
        target = max(0, min(len(items) - 1, index + step))
        items.insert(target, items.pop(index))


def reorder(items: list, wanted: list) -> list:
    known = [i for i in wanted if i in items]
    return list(dict.fromkeys(known)) + [i for i in items if i not in known]


def add_block(theme: Theme, data: dict, page: str, section_id: str, block_type: str) -> str:
    section = data["templates"][page]["sections"].get(section_id)
    schema = theme.sections.get(section["type"]) if section else None
    block_schema = schema.block_schema(block_type) if schema else None
    if block_schema is None:
        raise LookError(_l("That block can't be added here."))
    if len(section["block_order"]) >= schema.max_blocks:
        raise LookError(_l("This section can have at most %(n)d blocks.", n=schema.max_blocks))
    block_id = new_section_id(block_type)
    section["blocks"][block_id] = {"type": block_type, "settings": {}}
    section["block_order"].append(block_id)
    return block_id
