"""Discount codes as shoppers type them: matched without regard to case, spaces at the ends or inner spaces."""
import re

from flask_babel import lazy_gettext as _l

MAX_LENGTH = 40
_ALLOWED = re.compile(r"^[A-Z0-9][A-Z0-9_-]*$")


class CodeRejected(ValueError):
    """Text that can't be a code; str() says why, for the person who typed it."""


def normalize_code(text: str | None) -> str:
    """The code in its one stored form: upper case, with spaces removed. Raises CodeRejected for anything else."""
    code = "".join((text or "").split()).upper()
    if not code:
        raise CodeRejected(str(_l("Enter a code.")))
    if len(code) > MAX_LENGTH:
        raise CodeRejected(str(_l("Use at most %(n)d characters.", n=MAX_LENGTH)))
    if not _ALLOWED.match(code):
        raise CodeRejected(str(_l("Use only letters, digits, dashes and underscores, such as RAMADAN-10.")))
    return code
