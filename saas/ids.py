"""Time-ordered 64-bit ids made by the app (snowflake layout), so no database sequence is needed.

Layout: 41 bits of milliseconds since EPOCH_MS, 10 bits of node, 12 bits of sequence. The node is
taken from WORKER_ID when set, otherwise from the process id mixed with a random salt, and is chosen
again after a fork, so that workers forked from one parent never share it.
"""
import os
import secrets
import threading
import time

EPOCH_MS = 1_767_225_600_000  # 2026-01-01T00:00:00Z
NODE_BITS = 10
SEQUENCE_BITS = 12
MAX_SEQUENCE = (1 << SEQUENCE_BITS) - 1


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
