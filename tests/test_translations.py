"""Every message in the code and templates has an Indonesian translation, and the catalogs compile."""
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "saas" / "translations"
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None, "lazy_ngettext": (1, 2)}


def extracted_messages() -> set[str]:
    with open(ROOT / "babel.cfg") as config:
        method_map, options_map = parse_mapping_cfg(config)
    found = set()
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=KEYWORDS
    ):
        found.add(message if isinstance(message, str) else message[0])
    from saas.storefront.theme_messages import theme_messages

    return found | set(theme_messages())


def catalog(locale: str):
    with open(TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po", "rb") as po:
        return read_po(po, locale=locale)


@pytest.fixture(scope="module")
def messages():
    found = extracted_messages()
    assert len(found) > 100  # the extraction itself works
    return found


@pytest.mark.parametrize("locale", ["id", "en"])
def test_every_message_is_translated(messages, locale):
    translated = catalog(locale)
    missing = []
    for msgid in sorted(messages):
        entry = translated.get(msgid)
        strings = entry.string if entry else None
        if isinstance(strings, tuple):
            complete = all(strings)
        else:
            complete = bool(strings)
        if entry is None or not complete or entry.fuzzy:
            missing.append(msgid)
    assert not missing, f"{len(missing)} messages lack a {locale} translation, e.g. {missing[:10]}"


def test_placeholders_survive_translation(messages):
    import re

    placeholder = re.compile(r"%\((\w+)\)[sd]")
    for entry in catalog("id"):
        if not entry.id or not entry.string:
            continue
        ids = entry.id if isinstance(entry.id, tuple) else (entry.id,)
        strings = entry.string if isinstance(entry.string, tuple) else (entry.string,)
        expected = set(placeholder.findall(ids[-1]))
        for text in strings:
            assert set(placeholder.findall(text)) == expected, entry.id


def test_indonesian_is_served(client):
    response = client.get("/login", headers={"Accept-Language": "id"})
    assert "Masuk" in response.get_data(as_text=True)
