"""The words in theme schemas (descriptions, setting labels, section and block names, option labels) that the
builder shows.

They live in JSON, which Babel's extractors don't read, so the catalog tool and the translation test add them.
"""
import json
from pathlib import Path

from saas.storefront.themes import ROOT


def theme_messages(root: Path = ROOT) -> list[str]:
    found = []

    def walk(node):
        if isinstance(node, dict):
            for key, value in node.items():
                if key in ("label", "name") and isinstance(value, str) and value:
                    found.append(value)
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    for path in sorted(root.glob("*/theme.json")):
        meta = json.loads(path.read_text())
        if path.parent.name != "base":  # the base theme is never offered in the gallery
            found.append(meta.get("description", ""))
        walk({k: v for k, v in meta.items() if k not in ("description", "version")})
    for path in sorted(root.glob("*/sections/*.json")):
        walk(json.loads(path.read_text()))
    return sorted(set(found) - {""})
    return sorted(set(found))
