"""The words in theme schemas (setting labels, section and block names, option labels) that the editor shows.

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

    for path in sorted(root.glob("*/theme.json")) + sorted(root.glob("*/sections/*.json")):
        walk({k: v for k, v in json.loads(path.read_text()).items() if k not in ("description", "version")})
    return sorted(set(found))
