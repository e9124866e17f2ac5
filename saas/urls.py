"""URL rules shared by views."""


def safe_next(target: str | None, default: str) -> str:
    """`target` when it is a path on this host, else `default`: no open redirects through ?next=."""
    target = target or ""
    # isprintable(): browsers drop tabs and newlines inside a URL, so "/\t/evil.com" would become "//evil.com".
    if target.startswith("/") and not target.startswith("//") and "\\" not in target and target.isprintable():
        return target
    return default
