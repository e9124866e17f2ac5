"""Email: rendered in the request (in the reader's language), delivered by a job.

Delivery goes over SMTP when MAIL_URL is set (smtp://user:pass@host:port, ?starttls=1, or smtps://),
and otherwise into OUTBOX_DIR as .eml files, which is what development and `make run` use.
"""
import logging
import smtplib
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from flask import current_app, render_template
from flask_babel import force_locale

from saas.jobs import enqueue

log = logging.getLogger(__name__)


def send(to: str, subject: str, template: str, locale: str, tenant_id: int | None = None, **context) -> None:
    """Render mail/<template>.txt and .html in `locale` and queue them for delivery after commit."""
    with force_locale(locale):
        context.setdefault("subject", subject)
        text = render_template(f"mail/{template}.txt", **context)
        html = render_template(f"mail/{template}.html", **context)
    message = {
        "to": to,
        "from": current_app.config["MAIL_FROM"],
        "subject": str(subject),
        "text": text,
        "html": html,
        "message_id": make_msgid(domain=current_app.config["PLATFORM_HOST"].split(":")[0]),
    }
    enqueue("mail.deliver", message, tenant_id=tenant_id)


def build(message: dict) -> EmailMessage:
    email = EmailMessage()
    email["From"] = message["from"]
    email["To"] = message["to"]
    email["Subject"] = message["subject"]
    email["Date"] = formatdate(localtime=False)
    email["Message-ID"] = message["message_id"]
    email.set_content(message["text"])
    email.add_alternative(message["html"], subtype="html")
    return email


def deliver(message: dict) -> None:
    email = build(message)
    url = current_app.config["MAIL_URL"]
    if url:
        _send_smtp(url, email)
    else:
        _write_outbox(email, message["message_id"])
    log.info("mail to %s: %s", message["to"], message["subject"])


def _send_smtp(url: str, email: EmailMessage) -> None:
    parts = urlsplit(url)
    options = parse_qs(parts.query)
    if parts.scheme == "smtps":
        client = smtplib.SMTP_SSL(parts.hostname, parts.port or 465, timeout=30)
    else:
        client = smtplib.SMTP(parts.hostname, parts.port or 25, timeout=30)
    with client:
        if options.get("starttls", ["0"])[0] in {"1", "true"}:
            client.starttls()
        if parts.username:
            client.login(unquote(parts.username), unquote(parts.password or ""))
        client.send_message(email)


def _write_outbox(email: EmailMessage, message_id: str) -> None:
    outbox = Path(current_app.config["OUTBOX_DIR"])
    outbox.mkdir(parents=True, exist_ok=True)
    # Named by Message-ID, so a job that runs twice writes one file.
    name = "".join(c if c.isalnum() or c in "-._" else "_" for c in message_id.strip("<>"))
    (outbox / f"{name}.eml").write_bytes(email.as_bytes())
