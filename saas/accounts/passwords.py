"""The list of common passwords that signup refuses (saas/data/common-passwords.txt, one per line)."""
from functools import cache
from pathlib import Path

LIST = Path(__file__).resolve().parent.parent / "data" / "common-passwords.txt"


@cache
def _common() -> frozenset[str]:
    return frozenset(line.strip().lower() for line in LIST.read_text(encoding="utf-8").splitlines() if line.strip() and not line.startswith("#"))


def is_common_password(password: str) -> bool:
    return password.strip().lower() in _common()
