"""The theme engine: themes on disk, validated at start-up, rendered in a sandbox from a store's look (data).

A theme is `themes/<name>/` (see DESIGN.md, "Themes"). Templates resolve through a fallback chain (the theme,
its parent, then `base`), so a child theme overrides only what it changes. A store's look is data: the theme's
name, its settings' values and its page compositions, edited as a draft and published as versions.
"""
import copy
import functools
import hashlib
import json
import re
import types
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from jinja2 import FileSystemLoader, StrictUndefined
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup

from saas.ids import parse_id

ROOT = Path(__file__).resolve().parent.parent.parent / "themes"
BASE = "base"
PAGES = ("home", "product", "collection", "page", "search")  # composed of sections: templates/<page>.json
GROUPS = ("header",)  # composed too, and shown on every page (the announcement bar lives above the header)
COMPOSED = PAGES + GROUPS
PLAIN_PAGES = ("404", "cart", "checkout", "order", "account", "account_login", "account_register", "account_reset",
               "account_address")  # whole templates: templates/<page>.html
SETTING_TYPES = {"text", "textarea", "richtext", "image", "color", "select", "range", "checkbox", "product",
                 "collection", "url", "font"}
MAX_SECTIONS = 25
MAX_BLOCKS = 50

# Curated system-font stacks: no webfont downloads, nothing third-party.
FONTS = {
    "system": 'ui-sans-serif, system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", Arial, sans-serif',
    "humanist": '"Gill Sans", "Gill Sans MT", Seravek, Calibri, "Trebuchet MS", "DejaVu Sans", sans-serif',
    "geometric": 'Avenir, Montserrat, Corbel, "URW Gothic", "Century Gothic", "DejaVu Sans", sans-serif',
    "rounded": 'ui-rounded, "Hiragino Maru Gothic ProN", Quicksand, Comfortaa, Manjari, "Arial Rounded MT", sans-serif',
    "serif": 'Charter, "Bitstream Charter", "Sitka Text", Cambria, Georgia, "Liberation Serif", "DejaVu Serif", serif',
    "didone": 'Didot, "Bodoni MT", "Noto Serif Display", "URW Palladio L", P052, Sylfaen, Georgia, "Liberation Serif", serif',
    "slab": 'Rockwell, "Rockwell Nova", "Roboto Slab", "DejaVu Serif", Georgia, serif',
    "mono": 'ui-monospace, "Cascadia Code", "Source Code Pro", Menlo, Consolas, "DejaVu Sans Mono", monospace',
}
_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")


class ThemeError(ValueError):
    """A theme on disk is broken: raised at start-up and in tests, never in front of a shopper."""


@dataclass
class SectionSchema:
    type: str
    name: str
    settings: list = field(default_factory=list)
    blocks: list = field(default_factory=list)
    max_blocks: int = MAX_BLOCKS
    presets: list = field(default_factory=list)
    pages: list = field(default_factory=list)  # where it may be added; empty means every page (groups must be named)

    def addable_to(self, page: str) -> bool:
        if page in GROUPS:
            return page in self.pages
        return page in PAGES and (not self.pages or page in self.pages)

    def block_schema(self, block_type: str) -> dict | None:
        return next((b for b in self.blocks if b["type"] == block_type), None)


# Objects whose attributes the sandbox judges by more than a leading underscore (jinja2.sandbox's
# is_internal_attribute and wrap_str_format).
_SPECIAL_TYPES = (types.FunctionType, types.MethodType, type, types.CodeType, types.TracebackType, types.FrameType,
                  types.GeneratorType, types.CoroutineType, types.AsyncGeneratorType, str)
_METHOD_TYPES = (types.MethodType, types.BuiltinMethodType)


@functools.cache
def _plain(cls: type) -> bool:
    return not issubclass(cls, _SPECIAL_TYPES)


_DICT_ATTRIBUTES = frozenset(dir(dict))


class ThemeEnvironment(SandboxedEnvironment):
    """The sandbox, with its most frequent checks made cheap: for an attribute of an ordinary object (not a
    function, method, class, frame, generator or str) that holds no method, the sandbox's rule reduces to "no
    leading underscore", so that is all this checks there; and `settings.heading` on a plain dict is its item,
    found without the two AttributeErrors that the sandbox's path raises first. Everything else takes the
    sandbox's own path."""

    def make_globals(self, d):
        """A template's globals as a plain dict rather than jinja2's ChainMap over the environment's: each render
        copies them, and the ChainMap raises a KeyError from its empty first map for every global on the way.
        Themes set their globals before they load a template (theme_globals.install), as jinja2 asks."""
        return {**self.globals, **(d or {})}

    def getattr(self, obj, attribute):
        if type(obj) is dict and attribute not in _DICT_ATTRIBUTES:
            try:
                return obj[attribute]
            except KeyError:
                return self.undefined(obj=obj, name=attribute)
        if attribute[:1] != "_" and _plain(type(obj)):
            try:
                value = getattr(obj, attribute)
            except AttributeError:
                return super().getattr(obj, attribute)
            if not isinstance(value, _METHOD_TYPES):
                return value
        return super().getattr(obj, attribute)


@dataclass
class Theme:
    name: str
    path: Path
    label: str
    description: str
    parent: str | None
    settings_schema: list
    chain: list = field(default_factory=list)  # [self, parent, …, base] as paths

    @cached_property
    def environment(self) -> SandboxedEnvironment:
        env = ThemeEnvironment(
            loader=FileSystemLoader([str(p) for p in self.chain]), autoescape=True, undefined=StrictUndefined,
            extensions=["jinja2.ext.do"], trim_blocks=True, lstrip_blocks=True, auto_reload=False,
        )
        from saas.storefront import theme_globals

        theme_globals.install(env, self)
        return env

    def find(self, relative: str) -> Path | None:
        for folder in self.chain:
            candidate = folder / relative
            if candidate.is_file():
                return candidate
        return None

    def page_template(self, page: str) -> dict:
        """The theme's own composition of a page (a fresh copy: callers edit it)."""
        cached = self.__dict__.setdefault("_page_templates", {})
        if page not in cached:
            path = self.find(f"templates/{page}.json")
            cached[page] = json.loads(path.read_text()) if path else {"sections": {}, "order": []}
        return copy.deepcopy(cached[page])

    @cached_property
    def sections(self) -> dict[str, SectionSchema]:
        """Every section type this theme can render, its own overriding its parents'."""
        found = {}
        for folder in reversed(self.chain):
            for schema_path in sorted((folder / "sections").glob("*.json")):
                raw = json.loads(schema_path.read_text())
                found[schema_path.stem] = SectionSchema(
                    type=schema_path.stem, name=raw.get("name", schema_path.stem), settings=raw.get("settings", []),
                    blocks=raw.get("blocks", []), max_blocks=raw.get("max_blocks", MAX_BLOCKS),
                    presets=raw.get("presets", []), pages=raw.get("pages", []),
                )
        return found

    def default_settings(self) -> dict:
        return {s["id"]: s["default"] for s in self.settings_schema if "id" in s}

    def default_look(self) -> dict:
        return {"settings": self.default_settings(), "templates": {page: self.page_template(page) for page in COMPOSED}}

    def asset_version(self, relative: str) -> str:
        """A content hash for the asset's URL, so it can be cached for a year (themes don't change at run time)."""
        versions = self.__dict__.setdefault("_asset_versions", {})
        if relative not in versions:
            path = self.find(f"static/{relative}")
            versions[relative] = hashlib.sha256(path.read_bytes()).hexdigest()[:12] if path else "0"
        return versions[relative]


_THEMES: dict[str, Theme] = {}


def themes() -> dict[str, Theme]:
    if not _THEMES:
        _THEMES.update(load_themes(ROOT))
    return _THEMES


def selectable() -> list[Theme]:
    """The themes a merchant can pick (base is only a parent)."""
    return [t for name, t in sorted(themes().items()) if name != BASE]


def get_theme(name: str | None) -> Theme:
    found = themes()
    return found.get(name or "") or found[DEFAULT_THEME]


DEFAULT_THEME = "minimal"


def load_themes(root: Path) -> dict[str, Theme]:
    """Read and validate every theme under `root`; a broken one raises ThemeError naming the file."""
    raw = {}
    for folder in sorted(p for p in root.iterdir() if (p / "theme.json").is_file()):
        try:
            meta = json.loads((folder / "theme.json").read_text())
        except json.JSONDecodeError as error:
            raise ThemeError(f"{folder.name}/theme.json: {error}")
        raw[folder.name] = (folder, meta)
    if BASE not in raw:
        raise ThemeError(f"no {BASE} theme in {root}")
    loaded = {}
    for name, (folder, meta) in raw.items():
        chain, parent = [folder], meta.get("extends")
        seen = {name}
        while parent:
            if parent not in raw or parent in seen:
                raise ThemeError(f"{name}: extends unknown or circular theme {parent!r}")
            seen.add(parent)
            chain.append(raw[parent][0])
            parent = raw[parent][1].get("extends")
        if raw[BASE][0] not in chain:
            chain.append(raw[BASE][0])
        loaded[name] = Theme(name=name, path=folder, label=meta.get("name", name), description=meta.get("description", ""),
                             parent=meta.get("extends"), settings_schema=_settings_schema(name, raw), chain=chain)
    for theme in loaded.values():
        validate(theme)
    return loaded


def _settings_schema(name: str, raw: dict) -> list:
    """A theme's own schema, or its parent's with this theme's `settings_defaults` laid over the defaults."""
    meta = raw[name][1]
    if "settings_schema" in meta or not meta.get("extends"):
        schema = meta.get("settings_schema", [])
    else:
        schema = _settings_schema(meta["extends"], raw)
    overrides = meta.get("settings_defaults", {})
    unknown = set(overrides) - {s.get("id") for s in schema}
    if unknown:
        raise ThemeError(f"{name}/theme.json: settings_defaults names unknown settings {sorted(unknown)}")
    return [{**s, "default": overrides[s["id"]]} if s.get("id") in overrides else dict(s) for s in schema]


def _check_setting(where: str, setting: dict) -> None:
    if setting.get("type") == "header":
        return
    if "id" not in setting or not re.fullmatch(r"[a-z][a-z0-9_]*", setting["id"]):
        raise ThemeError(f"{where}: a setting needs an id of lowercase letters, digits and _")
    kind = setting.get("type")
    if kind not in SETTING_TYPES:
        raise ThemeError(f"{where}: setting {setting['id']} has unknown type {kind!r}")
    if "label" not in setting:
        raise ThemeError(f"{where}: setting {setting['id']} has no label")
    if "default" not in setting:
        raise ThemeError(f"{where}: setting {setting['id']} has no default")
    default = setting["default"]
    if kind == "color" and not _COLOR.match(str(default)):
        raise ThemeError(f"{where}: {setting['id']} default {default!r} is not a #rrggbb colour")
    if kind == "select" and default not in [o["value"] for o in setting.get("options", [])]:
        raise ThemeError(f"{where}: {setting['id']} default is not one of its options")
    if kind == "font" and default not in FONTS:
        raise ThemeError(f"{where}: {setting['id']} default font {default!r} is not one of {sorted(FONTS)}")
    if kind == "range" and not (setting.get("min", 0) <= default <= setting.get("max", 100)):
        raise ThemeError(f"{where}: {setting['id']} default is outside its range")
    if kind == "checkbox" and not isinstance(default, bool):
        raise ThemeError(f"{where}: {setting['id']} default must be true or false")


def validate(theme: Theme) -> None:
    for setting in theme.settings_schema:
        _check_setting(f"{theme.name}/theme.json", setting)
    if theme.find("layout.html") is None:
        raise ThemeError(f"{theme.name}: no layout.html in its chain")
    for type_, schema in theme.sections.items():
        where = f"{theme.name}/sections/{type_}.json"
        if theme.find(f"sections/{type_}.html") is None:
            raise ThemeError(f"{where}: sections/{type_}.html doesn't exist")
        for setting in schema.settings:
            _check_setting(where, setting)
        for block in schema.blocks:
            if "type" not in block:
                raise ThemeError(f"{where}: a block has no type")
            for setting in block.get("settings", []):
                _check_setting(f"{where} block {block['type']}", setting)
    for page in COMPOSED:
        if theme.find(f"templates/{page}.json") is None:
            raise ThemeError(f"{theme.name}: templates/{page}.json doesn't exist in its chain")
        composition = theme.page_template(page)
        if len(composition.get("order", [])) > MAX_SECTIONS:
            raise ThemeError(f"{theme.name}/templates/{page}.json: more than {MAX_SECTIONS} sections")
        for section_id in composition.get("order", []):
            section = composition.get("sections", {}).get(section_id)
            if section is None:
                raise ThemeError(f"{theme.name}/templates/{page}.json: order names unknown section {section_id}")
            if section.get("type") not in theme.sections:
                raise ThemeError(f"{theme.name}/templates/{page}.json: unknown section type {section.get('type')!r}")
    for page in PLAIN_PAGES:
        if theme.find(f"templates/{page}.html") is None:
            raise ThemeError(f"{theme.name}: templates/{page}.html doesn't exist in its chain")
    if theme.name != BASE and theme.find("static/preview.png") is None:
        raise ThemeError(f"{theme.name}: static/preview.png (the gallery preview) is missing")


# Setting values: what a merchant saved, made safe for the type (a bad value falls back to the default)


def clean_value(setting: dict, value):
    kind, default = setting["type"], setting["default"]
    if value is None:
        return default
    if kind == "color":
        return value if isinstance(value, str) and _COLOR.match(value) else default
    if kind == "select":
        return value if value in [o["value"] for o in setting.get("options", [])] else default
    if kind == "font":
        return value if value in FONTS else default
    if kind == "checkbox":
        return value in (True, "true", "on", "1", "y", 1)
    if kind == "range":
        try:
            number = int(value)
        except (TypeError, ValueError):
            return default
        return min(setting.get("max", 100), max(setting.get("min", 0), number))
    if kind in ("product", "collection", "image"):
        return str(value) if parse_id(value) is not None else ""
    if kind == "url":
        text = str(value).strip()
        return text if text.startswith(("/", "https://", "http://", "#")) or not text else default
    if kind == "richtext":
        from saas.catalog.services import sanitize_html

        return sanitize_html(str(value))
    return str(value)[: setting.get("max_length", 2000)]


def clean_settings(schema: list, values: dict | None) -> dict:
    values = values or {}
    return {s["id"]: clean_value(s, values.get(s["id"])) for s in schema if "id" in s}


def css_variables(theme: Theme, settings: dict) -> Markup:
    """The theme settings that declare a `css_var`, as one `:root { … }` rule (values were cleaned by type)."""
    lines = []
    for setting in theme.settings_schema:
        var = setting.get("css_var")
        if not var or "id" not in setting:
            continue
        value = clean_value(setting, settings.get(setting["id"]))
        if setting["type"] == "font":
            value = FONTS[value]
        elif setting["type"] == "range":
            value = f"{value}{setting.get('unit', '')}"
        elif setting["type"] == "select":
            option = next(o for o in setting["options"] if o["value"] == value)
            value = option.get("css", value)
        elif setting["type"] != "color":
            continue
        lines.append(f"{var}: {value};")
    return Markup(":root { " + " ".join(lines) + " }")  # noqa: S704  (every value above is from a closed set)
