"""A small stand-in for Stripe's API on 127.0.0.1: the few endpoints Etalase calls, answered with Stripe-shaped JSON.

    def test_x(fake_stripe):          # a FakeStripe, already serving
        fake_stripe.url               # the base URL to put in STRIPE_API_BASE
        fake_stripe.requests          # what it received: [Received(method, path, form, headers)]
        fake_stripe.fail("/v1/refunds", 402, "Charge has already been refunded.")  # the next call there fails

Requests carrying an Idempotency-Key that was seen before get the first answer again, as Stripe does.
"""
import itertools
import json
import threading
import time
from dataclasses import dataclass, field

import pytest
from werkzeug.serving import WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response


@dataclass
class Received:
    method: str
    path: str
    form: dict  # the flat form fields, as sent: {"line_items[0][quantity]": "1", ...}
    headers: dict


@dataclass
class FakeStripe:
    url: str = ""
    requests: list = field(default_factory=list)
    sessions: dict = field(default_factory=dict)
    refunds: dict = field(default_factory=dict)
    failures: dict = field(default_factory=dict)  # path -> [(status, message, type)]
    _answers: dict = field(default_factory=dict)  # idempotency key -> (status, body)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))

    def fail(self, path: str, status: int = 400, message: str = "Something went wrong.",
             kind: str = "invalid_request_error") -> None:
        """Make the next call to `path` answer with a Stripe error."""
        self.failures.setdefault(path, []).append((status, message, kind))

    def calls(self, method: str, path: str) -> list[Received]:
        return [r for r in self.requests if r.method == method and r.path == path]

    # The WSGI app

    def __call__(self, environ, start_response):
        request = Request(environ)
        form = dict(request.form.items())
        with self._lock:
            self.requests.append(Received(request.method, request.path, form, dict(request.headers.items())))
            key = request.headers.get("Idempotency-Key")
            if request.method == "POST" and key and key in self._answers:
                status, body = self._answers[key]
            else:
                status, body = self._answer(request, form)
                if request.method == "POST" and key:
                    self._answers[key] = (status, body)
        headers = {"Request-Id": f"req_{next(self._ids)}"}
        if status >= 500:
            headers["Stripe-Should-Retry"] = "false"
        return Response(json.dumps(body), status=status, headers=headers,
                        content_type="application/json")(environ, start_response)

    def _answer(self, request, form):
        if not request.headers.get("Authorization", "").startswith("Bearer sk_"):
            return 401, _error("Invalid API Key provided.", "invalid_request_error")
        if request.path in self.failures and self.failures[request.path]:
            status, message, kind = self.failures[request.path].pop(0)
            return status, _error(message, kind)
        if request.method == "POST" and request.path == "/v1/checkout/sessions":
            return 200, self._create_session(form)
        if request.method == "GET" and request.path.startswith("/v1/checkout/sessions/"):
            found = self.sessions.get(request.path.rsplit("/", 1)[-1])
            return (200, found) if found else (404, _error("No such checkout.session", "invalid_request_error"))
        if request.method == "POST" and request.path == "/v1/refunds":
            return 200, self._create_refund(form)
        return 404, _error(f"Unrecognized request URL ({request.method}: {request.path}).", "invalid_request_error")

    def _create_session(self, form):
        n = next(self._ids)
        session_id = f"cs_test_a1B2c3{n:04d}"
        amount = int(form["line_items[0][price_data][unit_amount]"]) * int(form["line_items[0][quantity]"])
        session = {
            "id": session_id, "object": "checkout.session", "mode": form.get("mode"),
            "url": f"https://checkout.stripe.test/c/pay/{session_id}",
            "amount_total": amount, "amount_subtotal": amount, "currency": form["line_items[0][price_data][currency]"],
            "customer_email": form.get("customer_email"), "client_reference_id": form.get("client_reference_id"),
            "metadata": {key[len("metadata["):-1]: value for key, value in form.items() if key.startswith("metadata[")},
            "success_url": form.get("success_url"), "cancel_url": form.get("cancel_url"),
            "expires_at": int(form.get("expires_at") or time.time() + 86400), "created": int(time.time()),
            "status": "open", "payment_status": "unpaid", "payment_intent": None, "livemode": False,
        }
        self.sessions[session_id] = session
        return session

    def _create_refund(self, form):
        n = next(self._ids)
        refund = {
            "id": f"re_test_3Q{n:04d}", "object": "refund", "amount": int(form["amount"]), "currency": "idr",
            "payment_intent": form.get("payment_intent"), "charge": f"ch_test_for_{form.get('payment_intent')}",
            "status": "succeeded", "reason": None, "created": int(time.time()),
            "metadata": {key[len("metadata["):-1]: value for key, value in form.items() if key.startswith("metadata[")},
        }
        self.refunds[refund["id"]] = refund
        return refund


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, *args, **kwargs):
        pass


def _error(message: str, kind: str) -> dict:
    return {"error": {"message": message, "type": kind}}


@pytest.fixture
def fake_stripe():
    fake = FakeStripe()
    server = make_server("127.0.0.1", 0, fake, threaded=True, request_handler=_QuietHandler)
    fake.url = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
