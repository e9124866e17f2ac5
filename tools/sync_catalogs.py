"""Refresh the message catalogs from the code: extract, merge into id and en, and fill en from the source.

English is the source language, so its catalog repeats each msgid; the Indonesian entries that are new
or changed are listed for a translator. Run it with `make extract-messages`.
"""
import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "saas" / "translations"
POT = TRANSLATIONS / "messages.pot"
BIN = Path(sys.executable).parent


def run(*args: str) -> None:
    subprocess.run([str(BIN / "pybabel"), *args], check=True, cwd=ROOT)


def main() -> None:
    run("extract", "-F", "babel.cfg", "-k", "_l", "-k", "lazy_gettext", "--no-location", "--sort-output",
        "-o", str(POT), ".")
    _add_theme_messages()
    for locale in ("id", "en"):
        po = TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po"
        if po.exists():
            run("update", "-i", str(POT), "-d", str(TRANSLATIONS), "-l", locale, "--no-fuzzy-matching",
                "--ignore-obsolete")  # keep the header: Plural-Forms and charset live there
        else:
            run("init", "-i", str(POT), "-d", str(TRANSLATIONS), "-l", locale)
    en = TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.po"
    with open(en, "rb") as f:
        catalog = read_po(f, locale="en")
    for message in catalog:
        if message.id:
            message.string = message.id
    with open(en, "wb") as f:
        write_po(f, catalog, omit_header=False, sort_output=True)
    with open(TRANSLATIONS / "id" / "LC_MESSAGES" / "messages.po", "rb") as f:
        missing = [m.id for m in read_po(f, locale="id") if m.id and not (all(m.string) if isinstance(m.string, tuple) else m.string)]
    print(f"{len(missing)} Indonesian messages to translate")
    for msgid in missing:
        print("  ", msgid if isinstance(msgid, str) else msgid[0])


def _add_theme_messages() -> None:
    """Theme schemas are JSON, which Babel doesn't extract: their labels join the template by hand."""
    sys.path.insert(0, str(ROOT))
    from saas.storefront.theme_messages import theme_messages

    with open(POT, "rb") as f:
        template = read_po(f)
    for message in theme_messages():
        if message not in template:
            template.add(message, auto_comments=["theme schema"])
    with open(POT, "wb") as f:
        write_po(f, template, sort_output=True, omit_header=False)


if __name__ == "__main__":
    main()
