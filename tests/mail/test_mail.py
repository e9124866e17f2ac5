"""Email: .eml files in OUTBOX_DIR by default, real SMTP when MAIL_URL is set (aiosmtpd on loopback)."""
import re
import socket
from email import message_from_bytes, policy
from email.utils import make_msgid
from pathlib import Path

import pytest

from saas.mail import deliver

RESET_LINK = re.compile(r"http://localhost/password/reset/[\w.\-]+")


def _message(message_id=None, **fields):
    return {"to": "rina@example.com", "from": "Etalase <no-reply@etalase.test>", "subject": "Pesanan #1042",
            "text": "Terima kasih.", "html": "<p>Terima <b>kasih</b>.</p>",
            "message_id": message_id or make_msgid(domain="localhost"), **fields}


def _parts(email):
    """(text, html) bodies of a multipart/alternative message."""
    assert email.get_content_type() == "multipart/alternative"
    text = email.get_body(("plain",)).get_content()
    html = email.get_body(("html",)).get_content()
    return text, html


def test_without_mail_url_messages_land_in_the_outbox(app, client, outbox, run_jobs, create_user):
    """A password reset ends as an .eml with To, Subject, a text and an HTML part, both with the link."""
    create_user(email="rina@example.com", name="Rina", locale="en")
    assert client.post("/password/forgot", data={"email": "rina@example.com"}).status_code == 302
    # Delivery is a job: nothing is written until a worker runs it.
    assert outbox() == []
    run_jobs()
    [email] = outbox()
    assert email["To"] == "rina@example.com"
    assert email["Subject"] == "Reset your Etalase password"
    assert email["From"] == app.config["MAIL_FROM"]
    assert email["Message-ID"] and email["Date"]
    text, html = _parts(email)
    link = RESET_LINK.search(text).group(0)
    assert f'href="{link}"' in html
    assert "Hi Rina," in text and "Hi Rina," in html


def test_delivering_the_same_message_twice_writes_one_file(app, ctx):
    """Delivery is idempotent (a retried job rewrites the same file); another message is another file."""
    message = _message()
    with ctx():
        deliver(message)
        deliver(message)
    outbox = Path(app.config["OUTBOX_DIR"])
    assert len(list(outbox.glob("*.eml"))) == 1
    with ctx():
        deliver(_message(subject="Pesanan #1043"))
    files = sorted(outbox.glob("*.eml"))
    assert len(files) == 2
    subjects = {message_from_bytes(f.read_bytes(), policy=policy.default)["Subject"] for f in files}
    assert subjects == {"Pesanan #1042", "Pesanan #1043"}


def test_outbox_file_names_stay_inside_the_outbox(app, ctx):
    """A Message-ID with path characters can't write outside OUTBOX_DIR."""
    with ctx():
        deliver(_message(message_id="<../../escape/x@localhost>"))
    outbox = Path(app.config["OUTBOX_DIR"])
    [written] = outbox.glob("*.eml")
    assert written.parent == outbox
    assert not (outbox.parent / "escape").exists()


class Collector:
    """An aiosmtpd handler that keeps every envelope it accepts."""

    def __init__(self):
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp_server():
    """A real SMTP server on loopback; yields (port, collector)."""
    from aiosmtpd.controller import Controller

    collector = Collector()
    port = _free_port()
    controller = Controller(collector, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port, collector
    finally:
        controller.stop()


def test_with_mail_url_the_reset_email_goes_over_smtp(app, client, outbox, run_jobs, create_user, smtp_server,
                                                       monkeypatch):
    """With MAIL_URL set, the forgot-password email reaches the SMTP server, multipart, with the link."""
    port, collector = smtp_server
    monkeypatch.setitem(app.config, "MAIL_URL", f"smtp://127.0.0.1:{port}")
    create_user(email="budi@example.com", name="Budi", locale="en")
    assert client.post("/password/forgot", data={"email": "budi@example.com"}).status_code == 302
    assert collector.envelopes == []
    run_jobs()

    [envelope] = collector.envelopes
    assert envelope.rcpt_tos == ["budi@example.com"]
    assert envelope.mail_from == "no-reply@etalase.test"
    email = message_from_bytes(envelope.original_content, policy=policy.default)
    assert email["To"] == "budi@example.com"
    assert email["Subject"] == "Reset your Etalase password"
    text, html = _parts(email)
    link = RESET_LINK.search(text).group(0)
    assert f'href="{link}"' in html
    # SMTP replaces the outbox; nothing is written to disk.
    assert outbox() == []
    # The link works: it opens the reset form.
    assert client.get(link.removeprefix("http://localhost")).status_code == 200


def test_an_unreachable_smtp_server_ends_as_a_failed_job(app, client, ctx, run_jobs, create_user, monkeypatch):
    """If SMTP refuses, the job is retried and then recorded for operators; the request itself succeeded."""
    from sqlalchemy import select

    from saas.jobs.models import FailedJob

    monkeypatch.setitem(app.config, "MAIL_URL", f"smtp://127.0.0.1:{_free_port()}")
    create_user(email="ayu@example.com", locale="en")
    assert client.post("/password/forgot", data={"email": "ayu@example.com"}).status_code == 302
    run_jobs()
    with ctx() as session:
        [failed] = session.scalars(select(FailedJob)).all()
        assert failed.task == "mail.deliver" and failed.queue == "mail"
        assert failed.args[0]["to"] == "ayu@example.com"
        assert "ConnectionRefusedError" in failed.error
