"""A small fake of Biteship's rates API on loopback: POST /v1/rates/couriers, answered in Biteship's JSON shape.

It remembers every request, prices each asked-for courier from `prices` (whole rupiah), and lets a test make it
fail: an HTTP error, a reply slower than the client's timeout, or a body that isn't JSON.
"""
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

API_KEY = "biteship_test.eyJhbGciOiJIUzI1NiJ9.kunci-rahasia-1234"
NAMES = {"jne": "JNE", "jnt": "J&T", "sicepat": "SiCepat", "anteraja": "AnterAja", "pos": "POS Indonesia",
         "gojek": "Gojek", "grab": "Grab"}
# courier code -> [(service code, service name, price in whole rupiah, duration range, unit)]
PRICES = {
    "jne": [("reg", "Reguler", 18000, "2 - 3", "days"), ("yes", "Yakin Esok Sampai", 32000, "1", "days")],
    "jnt": [("ez", "EZ", 17000, "2 - 3", "days")],
    "sicepat": [("reg", "Reguler", 16000, "1 - 2", "days")],
    "gojek": [("instant", "Instant", 45000, "1 - 3", "hours")],
}


@dataclass
class Seen:
    path: str
    headers: dict
    body: dict | None


@dataclass
class FakeBiteship:
    url: str = ""
    requests: list = field(default_factory=list)
    prices: dict = field(default_factory=lambda: {k: list(v) for k, v in PRICES.items()})
    failure: tuple | None = None  # (HTTP status, raw body bytes)
    delay: float = 0.0

    def fail(self, status: int = 500, body: bytes | dict = b'{"success": false, "error": "Internal error"}') -> None:
        self.failure = (status, json.dumps(body).encode() if isinstance(body, dict) else body)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        """Quiet: a client that gave up waiting (the timeout tests) closes the socket before the slow answer."""


def _handler(fake: FakeBiteship):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):  # quiet
            pass

        def _answer(self, status: int, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            body = json.loads(raw) if raw else None
            fake.requests.append(Seen(self.path, dict(self.headers), body))
            if fake.delay:
                time.sleep(fake.delay)
            if fake.failure is not None:
                self._answer(*fake.failure)
                return
            if self.path != "/v1/rates/couriers":
                self._answer(404, b'{"success": false, "error": "Not found"}')
                return
            if self.headers.get("authorization") != API_KEY:
                self._answer(401, json.dumps({"success": False, "error": "Authorization failed",
                                              "code": 40101001}).encode())
                return
            pricing = []
            for courier in body["couriers"].split(","):
                for service, service_name, price, duration, unit in fake.prices.get(courier, []):
                    pricing.append({
                        "courier_code": courier, "courier_service_code": service, "courier_name": NAMES[courier],
                        "courier_service_name": service_name, "price": price, "type": service,
                        "shipment_duration_range": duration, "shipment_duration_unit": unit,
                        "duration": f"{duration} {unit}", "company": courier,
                    })
            self._answer(200, json.dumps({"success": True, "object": "courier_pricing", "code": 20001003,
                                          "message": "Success to retrieve courier pricing",
                                          "pricing": pricing}).encode())

    return Handler


@pytest.fixture
def fake_biteship(app, monkeypatch):
    """A running fake; BITESHIP_API_BASE points at it for the test."""
    fake = FakeBiteship()
    server = _Server(("127.0.0.1", 0), _handler(fake))
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    monkeypatch.setitem(app.config, "BITESHIP_API_BASE", fake.url)
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
