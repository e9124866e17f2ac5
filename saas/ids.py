"""Time-ordered 64-bit ids made by the app (snowflake layout), so no database sequence is needed.

Layout: 41 bits of milliseconds since EPOCH_MS, 10 bits of node, 12 bits of sequence. The node is
taken from WORKER_ID when set, otherwise from the process id mixed with a random salt, and is chosen
again after a fork, so that workers forked from one parent never share it.
"""
import os
import re
import secrets
import threading
import time

from werkzeug.routing import IntegerConverter, ValidationError

EPOCH_MS = 1_767_225_600_000  # 2026-01-01T00:00:00Z
NODE_BITS = 10
SEQUENCE_BITS = 12
MAX_SEQUENCE = (1 << SEQUENCE_BITS) - 1
MAX_ID = 2**63 - 1  # the largest value a BIGINT column holds: ids and anything compared with them stay below it
_ID_TEXT = re.compile(r"[0-9]{1,19}")  # ASCII digits only: "²" or "٣" are digits to str.isdigit(), not ids


class IdGenerator:
    def __init__(self, node: int | None = None):
        self._lock = threading.Lock()
        self._fixed_node = node
        self._reset()

    def _reset(self) -> None:
        if self._fixed_node is not None:
            node = self._fixed_node
        elif os.environ.get("WORKER_ID"):
            node = int(os.environ["WORKER_ID"])
            # masking would silently give two workers (e.g. 5 and 1029) one node, and so the same ids
            if not 0 <= node < (1 << NODE_BITS):
                raise ValueError(f"WORKER_ID must be between 0 and {(1 << NODE_BITS) - 1}, not {node}")
        else:
            node = os.getpid() ^ secrets.randbits(NODE_BITS)
        self.node = node & ((1 << NODE_BITS) - 1)
        self._last_ms = -1
        self._sequence = 0

    def __call__(self) -> int:
        with self._lock:
            now = int(time.time() * 1000)
            if now < self._last_ms:  # the clock stepped back: wait rather than reuse a timestamp
                time.sleep((self._last_ms - now) / 1000)
                now = self._last_ms
            if now == self._last_ms:
                self._sequence = (self._sequence + 1) & MAX_SEQUENCE
                if self._sequence == 0:
                    while now <= self._last_ms:
                        now = int(time.time() * 1000)
            else:
                self._sequence = 0
            self._last_ms = now
            return ((now - EPOCH_MS) << (NODE_BITS + SEQUENCE_BITS)) | (self.node << SEQUENCE_BITS) | self._sequence


new_id = IdGenerator()
os.register_at_fork(after_in_child=new_id._reset)


def parse_id(text) -> int | None:
    """An id typed or posted as text ("123"), or None when it isn't one: not plain ASCII digits, or above MAX_ID
    (which no BIGINT column holds, so the database driver would raise instead of finding nothing)."""
    if isinstance(text, bool):
        return None
    text = str(text) if isinstance(text, int) else text
    if not isinstance(text, str) or not _ID_TEXT.fullmatch(text):
        return None
    value = int(text)
    return value if value <= MAX_ID else None


class IdConverter(IntegerConverter):
    """The app's `<int:…>` URL converter: ASCII digits up to MAX_ID, so a URL with a longer number is a 404 rather
    than an OverflowError in the query (werkzeug's own accepts any size, and any Unicode digit)."""

    regex = r"[0-9]+"

    def __init__(self, map, fixed_digits: int = 0, min: int | None = None, max: int | None = None,
                 signed: bool = False) -> None:
        ceiling = MAX_ID if max is None or max > MAX_ID else max
        floor = -MAX_ID if signed and (min is None or min < -MAX_ID) else min
        super().__init__(map, fixed_digits=fixed_digits, min=floor, max=ceiling, signed=signed)

    def to_python(self, value: str):
        if len(value.lstrip("-")) > len(str(MAX_ID)):  # refused before int() reads a very long string
            raise ValidationError()
        return super().to_python(value)
