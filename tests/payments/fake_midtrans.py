"""A small fake of Midtrans on loopback: Snap's transactions endpoint and the Core API's status and refund.

It answers in Midtrans' JSON shapes, remembers every request it got, and lets a test make an endpoint fail
(an HTTP error, or a reply slower than the client's timeout). `notification()` builds an HTTP notification
signed as Midtrans signs them: SHA512(order_id + status_code + gross_amount + server_key).
"""
import base64
import hashlib
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

STATUS_CODES = {"capture": "200", "settlement": "200", "pending": "201", "deny": "202", "cancel": "200",
                "expire": "407", "failure": "202", "refund": "200", "partial_refund": "200", "authorize": "200"}


@dataclass
class Seen:
    method: str
    path: str
    headers: dict
    body: dict | None

    @property
    def basic_auth(self) -> tuple[str, str] | None:
        value = self.headers.get("Authorization", "")
        if not value.startswith("Basic "):
            return None
        user, _, password = base64.b64decode(value.removeprefix("Basic ")).decode().partition(":")
        return user, password


@dataclass
class FakeMidtrans:
    url: str = ""
    requests: list = field(default_factory=list)
    transactions: dict = field(default_factory=dict)  # Midtrans order id -> what the status endpoint reports
    failures: dict = field(default_factory=dict)  # "snap" | "status" | "refund" -> (HTTP status, JSON body)
    delays: dict = field(default_factory=dict)  # endpoint -> seconds to wait before answering

    def fail(self, endpoint: str, status: int = 500, body: dict | None = None) -> None:
        self.failures[endpoint] = (status, body if body is not None else {"status_code": str(status),
                                                                         "error_messages": ["Internal server error"]})

    def recover(self, endpoint: str) -> None:
        self.failures.pop(endpoint, None)
        self.delays.pop(endpoint, None)

    def seen(self, endpoint: str) -> list[Seen]:
        return [r for r in self.requests if _endpoint(r.method, r.path) == endpoint]

    def set_status(self, order_id: str, transaction_status: str, fraud_status: str = "accept") -> dict:
        """What Midtrans would now report for a transaction that Snap created (as if the shopper paid, etc.)."""
        transaction = self.transactions[order_id]
        transaction.update(transaction_status=transaction_status, fraud_status=fraud_status,
                           status_code=STATUS_CODES[transaction_status])
        return transaction


def _endpoint(method: str, path: str) -> str:
    if method == "POST" and path == "/snap/v1/transactions":
        return "snap"
    if method == "GET" and path.startswith("/v2/") and path.endswith("/status"):
        return "status"
    if method == "POST" and path.startswith("/v2/") and path.endswith("/refund"):
        return "refund"
    return ""


def _handler(fake: FakeMidtrans):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):  # quiet
            pass

        def _answer(self, status: int, body: dict) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _handle(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            body = json.loads(raw) if raw else None
            fake.requests.append(Seen(self.command, self.path, dict(self.headers), body))
            endpoint = _endpoint(self.command, self.path)
            if endpoint in fake.delays:
                time.sleep(fake.delays[endpoint])
            if endpoint in fake.failures:
                self._answer(*fake.failures[endpoint])
                return
            if not self.headers.get("Authorization", "").startswith("Basic "):
                self._answer(401, {"status_code": "401", "error_messages": ["Access denied, please check client or "
                                                                            "server key"]})
                return
            if endpoint == "snap":
                self._snap(body)
            elif endpoint == "status":
                self._status(self.path.split("/")[2])
            elif endpoint == "refund":
                self._refund(self.path.split("/")[2], body)
            else:
                self._answer(404, {"status_code": "404", "status_message": "Not found"})

        do_GET = do_POST = _handle

        def _snap(self, body) -> None:
            order_id = body["transaction_details"]["order_id"]
            if order_id in fake.transactions:
                self._answer(400, {"error_messages": ["transaction_details.order_id sudah digunakan"]})
                return
            token = secrets.token_hex(16)
            fake.transactions[order_id] = {
                "order_id": order_id, "transaction_id": secrets.token_hex(8), "transaction_status": None,
                "gross_amount": f"{body['transaction_details']['gross_amount']}.00", "currency": "IDR",
                "payment_type": "bank_transfer", "refunds": [], "token": token}
            self._answer(201, {"token": token, "redirect_url": f"{fake.url}/snap/v4/redirection/{token}"})

        def _status(self, order_id: str) -> None:
            transaction = fake.transactions.get(order_id)
            if transaction is None or transaction["transaction_status"] is None:
                self._answer(404, {"status_code": "404", "status_message": "Transaction doesn't exist."})
                return
            self._answer(200, {key: value for key, value in transaction.items() if key not in ("token",)}
                         | {"status_message": "Success, transaction is found"})

        def _refund(self, order_id: str, body) -> None:
            transaction = fake.transactions.get(order_id)
            if transaction is None or transaction["transaction_status"] not in ("settlement", "capture",
                                                                                "partial_refund"):
                self._answer(200, {"status_code": "412",
                                   "status_message": "Merchant cannot modify the status of the transaction"})
                return
            transaction["refunds"].append({"refund_chargeback_id": len(transaction["refunds"]) + 1,
                                           "refund_amount": f"{body['amount']}.00", "reason": body.get("reason", ""),
                                           "refund_key": body["refund_key"]})
            refunded = sum(int(float(r["refund_amount"])) for r in transaction["refunds"])
            gross = int(float(transaction["gross_amount"]))
            transaction["transaction_status"] = "refund" if refunded >= gross else "partial_refund"
            self._answer(200, {"status_code": "200", "status_message": "Success, refund request is approved",
                               "order_id": order_id, "transaction_id": transaction["transaction_id"],
                               "gross_amount": transaction["gross_amount"], "currency": "IDR",
                               "transaction_status": transaction["transaction_status"],
                               "refund_amount": f"{body['amount']}.00", "refund_key": body["refund_key"]})

    return Handler


@pytest.fixture
def fake_midtrans(app, monkeypatch):
    """A running fake; the app's Snap and Core API bases point at it for the test."""
    fake = FakeMidtrans()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(fake))
    server.daemon_threads = True
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    monkeypatch.setitem(app.config, "MIDTRANS_SNAP_BASE", fake.url)
    monkeypatch.setitem(app.config, "MIDTRANS_API_BASE", fake.url)
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def notification(server_key: str, order_id: str, transaction_status: str, gross_amount: str, *,
                 fraud_status: str = "accept", transaction_id: str = "tx-1", status_code: str | None = None,
                 **extra) -> dict:
    """An HTTP notification as Midtrans sends it, with a real signature."""
    status_code = status_code or STATUS_CODES.get(transaction_status, "200")
    return {
        "transaction_time": "2026-03-01 10:00:00", "transaction_status": transaction_status,
        "transaction_id": transaction_id, "status_message": "midtrans payment notification",
        "status_code": status_code, "payment_type": "bank_transfer", "order_id": order_id,
        "merchant_id": "G000000000", "gross_amount": gross_amount, "fraud_status": fraud_status, "currency": "IDR",
        "signature_key": hashlib.sha512(f"{order_id}{status_code}{gross_amount}{server_key}".encode()).hexdigest(),
        **extra,
    }
