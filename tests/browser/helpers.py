"""What the browser tests share: Playwright's expect, a merchant made directly, and logging in."""
import re


def expect(*args, **kwargs):
    # Imported late so that a machine without Playwright skips (in the `browser` fixture) instead of erroring.
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(*args, **kwargs)


def ensure_merchant(live_server, name: str, email: str, password: str, store_name: str, slug: str) -> bool:
    """Sign the merchant up directly unless an earlier test did; True when it was made now."""
    from saas.accounts.services import find_user
    from saas.extensions import db
    from saas.tenants.services import sign_up

    with live_server.app.app_context():
        if find_user(email) is not None:
            return False
        sign_up(name, email, password, store_name, slug, "en")
        db.session.commit()
        return True


def log_in(page, live_server, email: str, password: str) -> None:
    page.goto(live_server.url("/login"))
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(re.escape(live_server.url("/stores/"))))
