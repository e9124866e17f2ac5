"""Signup, login, logout and password reset on the platform host."""
from flask import abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from saas.accounts import services, throttle
from saas.accounts.forms import ForgotPasswordForm, LoginForm, ResetPasswordForm, SignupForm
from saas.errors import too_many_requests_page
from saas.extensions import db, limiter
from saas.routing import HostBlueprint
from saas.urls import safe_next
from saas.tenants import services as stores
from saas import mail

bp = HostBlueprint("accounts", __name__)

LOGIN_LIMIT_PER_ADDRESS = "20 per 10 minutes"
RESET_LIMIT = "5 per hour"


def _begin_session(user) -> None:
    # A fresh session on every login: nothing set before it (by anyone) survives into the signed-in one.
    locale = session.get("locale")
    session.clear()
    if locale:
        session["locale"] = locale
    login_user(user)
    session.permanent = True


@bp.route("/signup", methods=["GET", "POST"])
def signup():
    if current_user.is_authenticated:
        return redirect(url_for("builder.stores"))
    form = SignupForm()
    if request.method == "GET":
        form.language.data = session.get("locale") or _current_locale()
    if form.validate_on_submit():
        slug = form.subdomain.data.strip().lower()
        try:
            user, tenant = stores.sign_up(
                form.name.data, form.email.data, form.password.data, form.store_name.data, slug, form.language.data
            )
        except stores.SignupError as error:
            db.session.rollback()
            getattr(form, error.field).errors.append(error.message)
        else:
            mail.send(
                user.email, _welcome_subject(user.locale), "welcome", user.locale,
                user=user, tenant=tenant, builder_url=url_for("builder.home", slug=tenant.slug, _external=True),
                storefront_url=tenant_url(tenant),
            )
            db.session.commit()
            _begin_session(user)
            flash(_("Welcome to Etalase! Your store is live at %(url)s", url=tenant_url(tenant)), "success")
            return redirect(url_for("builder.home", slug=tenant.slug))
    return render_template("accounts/signup.html", form=form, platform_host=current_app.config["PLATFORM_HOST"])


@bp.get("/signup/check-subdomain")
def check_subdomain():
    """Used as you type on the signup form: is this subdomain free?"""
    slug = (request.args.get("subdomain") or "").strip().lower()
    problem = stores.slug_problem(slug)
    return {"subdomain": slug, "available": problem is None, "message": problem or _("This address is free.")}


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(LOGIN_LIMIT_PER_ADDRESS, methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(_next_url())
    form = LoginForm()
    if form.validate_on_submit():
        email = services.normalize_email(form.email.data)
        retry_at = throttle.locked_until(email)
        if retry_at is not None:
            return too_many_requests_page(retry_at)
        user = services.authenticate(email, form.password.data)
        if user is None:
            throttle.record_failure(email)
            form.password.errors.append(_("That email and password don't match an account."))
        else:
            db.session.commit()
            target = _next_url()
            _begin_session(user)
            return redirect(target)
    return render_template("accounts/login.html", form=form)


@bp.post("/logout")
@login_required
def logout():
    logout_user()
    session.clear()
    flash(_("You have logged out."), "info")
    return redirect(url_for("accounts.login"))


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit(RESET_LIMIT, methods=["POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        user = services.find_user(form.email.data)
        if user is not None:
            token = services.reset_token(user)
            mail.send(
                user.email, _reset_subject(user.locale), "password_reset", user.locale,
                user=user, reset_url=url_for("accounts.reset_password", token=token, _external=True),
            )
            db.session.commit()
        # The same answer whether or not the address has an account, so accounts can't be probed.
        flash(_("If an account uses that email, a link to reset the password is on its way."), "info")
        return redirect(url_for("accounts.login"))
    return render_template("accounts/forgot_password.html", form=form)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    user = services.user_for_reset_token(token)
    if user is None:
        flash(_("That reset link has expired or was already used. Ask for a new one."), "error")
        return redirect(url_for("accounts.forgot_password"))
    form = ResetPasswordForm()
    if form.validate_on_submit():
        services.set_password(user, form.password.data)
        db.session.commit()
        _begin_session(user)
        flash(_("Your password has been changed."), "success")
        return redirect(url_for("builder.stores"))
    return render_template("accounts/reset_password.html", form=form)


@bp.post("/language")
def set_language():
    locale = request.form.get("locale")
    if locale not in ("id", "en"):
        abort(400)
    session["locale"] = locale
    if current_user.is_authenticated:
        current_user.locale = locale
        db.session.commit()
    return redirect(_safe_referrer())


def _next_url() -> str:
    return safe_next(request.args.get("next"), url_for("builder.stores"))


def _safe_referrer() -> str:
    referrer = request.referrer or ""
    host_prefix = request.host_url
    if referrer.startswith(host_prefix):
        return referrer
    return url_for("platform.landing")


def _current_locale() -> str:
    from flask_babel import get_locale

    return str(get_locale() or "id")


def _welcome_subject(locale):
    from flask_babel import force_locale

    with force_locale(locale):
        return _("Welcome to Etalase")


def _reset_subject(locale):
    from flask_babel import force_locale

    with force_locale(locale):
        return _("Reset your Etalase password")


def tenant_url(tenant) -> str:
    from saas.routing import store_host

    return f"{current_app.config['PREFERRED_URL_SCHEME']}://{store_host(tenant)}/"
