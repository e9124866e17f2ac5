"""Small readers for rendered pages: a field's error text, an input's value, an element's text by id."""
from html.parser import HTMLParser

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class _Page(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.inputs: dict[str, dict] = {}
        self.texts: dict[str, list[str]] = {}
        self.tags: list[tuple[str, dict]] = []
        self._open: list[tuple[str, str | None, str | None]] = []

    def handle_starttag(self, tag, attrs):
        attrs = {key: value or "" for key, value in attrs}
        self.tags.append((tag, attrs))
        if tag in ("input", "select", "textarea") and "name" in attrs:
            self.inputs.setdefault(attrs["name"], {"tag": tag, **attrs, "text": ""})
        if tag not in VOID:
            self._open.append((tag, attrs.get("id"), attrs.get("name")))
            if attrs.get("id"):
                self.texts.setdefault(attrs["id"], [])
        if tag == "option" and "selected" in attrs:
            select = next((name for t, _, name in reversed(self._open) if t == "select"), None)
            if select in self.inputs:
                self.inputs[select]["value"] = attrs.get("value", "")

    def handle_endtag(self, tag):
        for index in range(len(self._open) - 1, -1, -1):
            if self._open[index][0] == tag:
                del self._open[index:]
                break

    def handle_data(self, data):
        for tag, element_id, name in self._open:
            if element_id in self.texts:
                self.texts[element_id].append(data)
            if tag == "textarea" and name in self.inputs:
                self.inputs[name]["text"] += data


def parse(response) -> _Page:
    page = _Page()
    page.feed(response.get_data(as_text=True))
    return page


def field_error(response, field_id: str) -> str | None:
    """The text of the error shown beside a field (the element with id `<field>-error`), or None."""
    texts = parse(response).texts.get(f"{field_id}-error")
    return " ".join("".join(texts).split()) if texts is not None else None


def error_fields(response) -> set[str]:
    """The ids of every field that shows an error."""
    return {key.removesuffix("-error") for key in parse(response).texts if key.endswith("-error")}


def value(response, name: str) -> str | None:
    """What a form control shows: an input's value, a textarea's text, a select's selected option."""
    control = parse(response).inputs.get(name)
    if control is None:
        return None
    return control["text"] if control["tag"] == "textarea" else control.get("value")


def images(response) -> list[str]:
    return [attrs["src"] for tag, attrs in parse(response).tags if tag == "img" and attrs.get("src")]
