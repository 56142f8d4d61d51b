"""Sign-in, account and user administration pages."""
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, refresh
from flask_login import current_user, login_required, login_user, logout_user
from markupsafe import Markup
from sqlalchemy import select

from engage.boundary import form_page, keep_refused, on_refusal, refused_form, refused_redirect
from engage.clock import now_utc
from engage.extensions import db, limiter
from engage.errors import ValidationError
from engage.members import services as members
from engage.members.schemas import MAX_LOGO_BYTES
from engage.schemas import check
from engage.urls import is_safe_redirect

from . import services, sessions, twofactor
from .forms import (ChangePasswordForm, CodeForm, ConfirmForm, ConfirmPasswordForm, DpoForm, EnrolForm, LanguageForm,
                    LoginForm, MemberForm, MemberLogoForm, MoveUserForm, NewTokenForm, NewUserForm, RoleForm)
from .models import ROLE_LABELS, ApiToken, User
from .permissions import password_confirmed_within, require_role_for_blueprint
from .schemas import DpoChange, LanguageChange, PasswordChange, PasswordConfirm, SignIn, SignInCode, TokenCreate, TwoStepEnrol, UserCreate

bp = Blueprint("auth", __name__)
admin_bp = Blueprint("admin", __name__, url_prefix="/admin")
require_role_for_blueprint(admin_bp, "admin")


def _login_limit():
    return current_app.config["ENGAGE_LOGIN_RATE_LIMIT"]


def _code_limit():
    return current_app.config["ENGAGE_2FA_RATE_LIMIT"]


def _account_limit():
    return current_app.config["ENGAGE_LOGIN_ACCOUNT_RATE_LIMIT"]


def _account_tried() -> str:
    """The address a sign-in tries, as the key of its per-account limit (known or not: the same)."""
    return "login-account:" + (request.form.get("email") or "").strip().lower()[:254]


def _requires_2fa(user) -> bool:
    return twofactor.required_for(user, current_app.config.get("ENGAGE_REQUIRE_2FA", False))


def _safe_next(target):
    return target if is_safe_redirect(target) else url_for("main.home")


def _finish_login(user, now, target, how=None):
    services.record_login(user, now, how)
    login_user(user, remember=False)  # no remember-me cookie: sessions have idle and absolute limits
    sessions.start(now, user)
    if user.has_2fa or not _requires_2fa(user):
        return redirect(_safe_next(target))
    return redirect(url_for("auth.two_factor", next=target if is_safe_redirect(target) else None))


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])  # per client address (behind a proxy: ENGAGE_TRUSTED_PROXIES)
@limiter.limit(_account_limit, key_func=_account_tried, methods=["POST"])  # per account, from any number of addresses
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm()
    target = request.args.get("next")
    page = refused_form(form, lambda: render_template("auth/login.html", form=form))
    if form.validate_on_submit():
        now = now_utc()
        credentials = check(SignIn, form.values())  # a blank or overlong field: refused beside it, nothing asked
        user = services.check_credentials(credentials.email, credentials.password, now)
        if user is None:  # the page is a 200, so the boundary keeps the audit row of the failed attempt
            flash(_("That email and password do not match an active account."), "danger")
        elif user.has_2fa:
            sessions.set_pending(user.id, now)
            return redirect(url_for("auth.login_code", next=target if is_safe_redirect(target) else None))
        else:
            return _finish_login(user, now, target)
    return page()


@bp.route("/login/code", methods=["GET", "POST"])
@limiter.limit(_code_limit, methods=["POST"])
def login_code():
    now = now_utc()
    user_id = sessions.pending_user_id(now)
    user = db.session.get(User, user_id) if user_id is not None else None
    if user is None or not user.is_active or not user.has_2fa:
        sessions.clear_pending()
        flash(_("Sign in again: the step for the code lasts five minutes."), "info")
        return redirect(url_for("auth.login"))
    form = CodeForm()
    page = refused_form(form, lambda: render_template("auth/login_code.html", form=form))
    if form.validate_on_submit():  # its CSRF token
        body = check(SignInCode, form.values())  # blank or overlong: beside the field, not counted as a wrong code
        if twofactor.too_many_failures(user, now):
            form.code.errors.append(_("Too many wrong codes for this account. Wait 15 minutes and try again."))
            return render_template("auth/login_code.html", form=form), 429
        how = twofactor.verify(user, body.code, now)
        if how is not None:
            if how == "recovery":
                flash(_("You used a recovery code; %(num)s left. Make new ones on your account page if you are "
                        "running short.", num=twofactor.recovery_codes_left(user)), "warning")
            return _finish_login(user, now, request.args.get("next"), how)
        keep_refused()  # the audit row of the refused code counts towards the lockout
        form.code.errors.append(_("That code is not right, or was already used. Type the code your app shows now."))
        return render_template("auth/login_code.html", form=form), 422
    return page()


@bp.route("/logout", methods=["POST"])
def logout():
    if current_user.is_authenticated:
        services.sign_out(current_user, now_utc())
    message = _("You are signed out.")  # in the language of who signs out, before they are nobody
    logout_user()
    sessions.clear()
    flash(message, "info")
    return redirect(url_for("auth.login"))


@bp.route("/account/sign-out-everywhere", methods=["POST"])
@login_required
def sign_out_everywhere():
    if not ConfirmForm().validate_on_submit():
        return redirect(url_for("auth.account"))
    services.sign_out(current_user, now_utc(), everywhere=True)
    message = _("You are signed out on every device and browser.")  # in their language, while signed in
    logout_user()
    sessions.clear()
    flash(message, "info")
    return redirect(url_for("auth.login"))


# Endpoints a signed-in user who still has to set up two-step sign-in may reach.
_ENROLMENT_ENDPOINTS = {"auth.two_factor", "auth.logout", "auth.login", "auth.login_code"}


@bp.before_app_request
def _session_rules():
    """End sessions that ran out; keep users who must set up two-step sign-in on that page."""
    endpoint = request.endpoint
    if endpoint is None or endpoint.endswith("static") or request.blueprint == "api":
        return None
    user = current_user._get_current_object()  # once: each use of the proxy is a lookup
    if not user.is_authenticated:
        return None
    now, config = now_utc(), current_app.config
    reason = sessions.expiry_reason(now, config.get("ENGAGE_SESSION_IDLE_MINUTES"),
                                    config.get("ENGAGE_SESSION_MAX_HOURS"))
    if reason is not None:
        services.record_logout(user, now, f"session ended ({reason})")  # committed with the redirect
        # Worded in the user's language, while they are still signed in.
        if reason == "idle":
            message = _("You were signed out after %(minutes)s minutes without activity. Sign in again to continue.",
                        minutes=config["ENGAGE_SESSION_IDLE_MINUTES"])
        else:
            message = _("You were signed out: a session lasts at most %(hours)s hours. Sign in again to continue.",
                        hours=config["ENGAGE_SESSION_MAX_HOURS"])
        logout_user()
        sessions.clear()
        flash(message, "info")
        target = request.full_path.rstrip("?") if request.method == "GET" else None
        return redirect(url_for("auth.login", next=target))
    sessions.touch(now)
    if endpoint not in _ENROLMENT_ENDPOINTS and not user.has_2fa and _requires_2fa(user):
        return redirect(url_for("auth.two_factor"))
    return None


@bp.route("/confirm-password", methods=["GET", "POST"])
@login_required
@limiter.limit(_login_limit, methods=["POST"])
def confirm_password():
    form = ConfirmPasswordForm()
    target = request.args.get("next")
    page = refused_form(form, lambda: render_template("auth/confirm_password.html", form=form))
    if form.validate_on_submit():  # its CSRF token
        body = check(PasswordConfirm, form.values())  # blank or overlong: beside the field, no hash checked
        if current_user.check_password(body.password):
            sessions.confirm_password(now_utc())
            return redirect(target if is_safe_redirect(target) else url_for("main.home"))
        form.password.errors.append(_("That is not your password."))
        return render_template("auth/confirm_password.html", form=form), 422
    return page()


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account():
    form = ChangePasswordForm(prefix="pw")
    token_form = NewTokenForm(prefix="tok")

    def page():
        tokens = db.session.scalars(select(ApiToken).where(ApiToken.user_id == current_user.id)
                                    .order_by(ApiToken.created_at.desc())).all()
        return render_template("auth/account.html", form=form, token_form=token_form, tokens=tokens,
                               revoke_form=ConfirmForm(),
                               language_form=LanguageForm(prefix="lang", language=current_user.language or ""))
    refused_form(form, page)
    if form.submit.data and form.validate_on_submit():  # its CSRF token
        body = check(PasswordChange, form.values())  # blank, too short, or not typed alike: beside the field
        services.change_password(current_user, body.current_password, body.new_password, now_utc())
        sessions.keep(current_user)  # the others ended with the old password; this one typed the new
        flash(_("Your password is changed. You are signed out everywhere else."), "success")
        return redirect(url_for("auth.account"))
    return page()


@bp.post("/account/language")
@login_required
def change_language():
    form = LanguageForm(prefix="lang")
    if form.validate_on_submit():  # its CSRF token
        refused_redirect(url_for("auth.account"))  # a language not offered: said on the account page
        services.set_language(current_user, check(LanguageChange, {"language": form.language.data or ""}))
        refresh()  # this request's flash in the language just chosen
        flash(_("Your language is saved. Recipients' messages and answer pages are in each recipient's language."),
              "success")
    return redirect(url_for("auth.account"))


@bp.route("/account/two-step", methods=["GET", "POST"])
@login_required
@limiter.limit(_code_limit, methods=["POST"])
def two_factor():
    form = EnrolForm()
    required = _requires_2fa(current_user)
    if current_user.has_2fa:
        return render_template("auth/two_factor.html", form=None, required=required,
                               codes_left=twofactor.recovery_codes_left(current_user), confirm_form=ConfirmForm())
    secret = twofactor.start_enrolment(current_user)
    keep_refused()  # the secret stays (a reload shows the same QR), as does the audit row of a refused code

    def page():
        uri = twofactor.provisioning_uri(current_user, secret)
        return render_template("auth/two_factor.html", form=form, required=required, secret=secret,
                               qr=Markup(twofactor.qr_svg(uri))), 422 if form.errors else 200
    if form.validate_on_submit():  # its CSRF token
        refused_form(form, page)
        body = check(TwoStepEnrol, form.values())  # blank or overlong: beside the field
        codes = twofactor.enrol(current_user, secret, body.code, now_utc())
        return render_template("auth/recovery_codes.html", codes=codes,
                               next_url=_safe_next(request.args.get("next")))
    return page()


@bp.route("/account/two-step/recovery-codes", methods=["POST"])
@login_required
@password_confirmed_within(5)
def new_recovery_codes():
    if not current_user.has_2fa or not ConfirmForm().validate_on_submit():
        return redirect(url_for("auth.two_factor"))
    codes = twofactor.regenerate_recovery_codes(current_user, now_utc())
    return render_template("auth/recovery_codes.html", codes=codes, next_url=url_for("auth.account"))


@bp.route("/account/tokens", methods=["POST"])
@login_required
def create_token():
    form = NewTokenForm(prefix="tok")

    def refused(_exc=None):
        flash(_("The token name is too long."), "danger")
        return redirect(url_for("auth.account"))
    on_refusal(refused)
    if not form.validate_on_submit():  # its CSRF token
        return refused()
    body = check(TokenCreate, form.values())
    _token, secret = services.create_api_token(current_user, now_utc(), body.name)
    return render_template("auth/token_created.html", secret=secret)


@bp.route("/account/tokens/<int:token_id>/revoke", methods=["POST"])
@login_required
def revoke_token(token_id):
    token = db.get_or_404(ApiToken, token_id)
    back = refused_redirect(request.referrer if is_safe_redirect(request.referrer) else url_for("auth.account"))
    if ConfirmForm().validate_on_submit():
        services.revoke_api_token(current_user, token, now_utc())
        flash(_("Token %(prefix)s… is revoked.", prefix=token.prefix), "success")
    return redirect(back)


@admin_bp.route("/users", methods=["GET", "POST"])
def users():
    form = NewUserForm()

    def page():
        q = request.args.get("q", "").strip()[:200]
        if "\x00" in q:
            abort(400, _("q: a search cannot hold a NUL character."))
        return render_template("admin/users.html", form=form, users=services.user_list(q, current_user), role_form=RoleForm,
                               confirm_form=ConfirmForm(), q=q, total=services.user_count(current_user),
                               role_labels=ROLE_LABELS, runs_coalition=members.can_run_coalition(current_user))
    refused_form(form, page)
    if form.validate_on_submit():
        body = check(UserCreate, form.values())
        password = services.generate_password()
        user = services.create_user(current_user, now_utc(), body.email, body.full_name, form.role.data, password)
        flash(_("%(email)s can now sign in with the password %(password)s — pass it on safely; it is not shown "
                "again.", email=user.email, password=password), "success")
        return redirect(url_for("admin.users"))
    return page()


@admin_bp.route("/users/<int:user_id>/role", methods=["POST"])
@password_confirmed_within(5)
def change_role(user_id):
    user = db.get_or_404(User, user_id)
    form = RoleForm()
    if form.validate_on_submit():
        _apply(lambda: services.set_role(current_user, now_utc(), user, form.role.data),
               _("%(email)s is now %(role)s.", email=user.email, role=_(form.role.data)))
    return redirect(url_for("admin.users"))


@admin_bp.route("/users/<int:user_id>/dpo", methods=["POST"])
@password_confirmed_within(5)
def change_dpo(user_id):
    user = db.get_or_404(User, user_id)
    form = DpoForm()
    if form.validate_on_submit():  # its CSRF token
        refused_redirect(url_for("admin.users"))  # a flag other than 1 or 0: said there
        value = check(DpoChange, form.values()).is_dpo
        _apply(lambda: services.set_dpo(current_user, now_utc(), user, value),
               _("%(email)s is now the data-protection officer.", email=user.email) if value else
               _("%(email)s is no longer the data-protection officer.", email=user.email))
    return redirect(url_for("admin.users"))


@admin_bp.route("/users/<int:user_id>/disable", methods=["POST"])
def disable(user_id):
    user = db.get_or_404(User, user_id)
    if ConfirmForm().validate_on_submit():
        _apply(lambda: services.set_disabled(current_user, now_utc(), user, True),
               _("%(email)s can no longer sign in.", email=user.email))
    return redirect(url_for("admin.users"))


@admin_bp.route("/users/<int:user_id>/enable", methods=["POST"])
def enable(user_id):
    user = db.get_or_404(User, user_id)
    if ConfirmForm().validate_on_submit():
        _apply(lambda: services.set_disabled(current_user, now_utc(), user, False),
               _("%(email)s can sign in again.", email=user.email))
    return redirect(url_for("admin.users"))


@admin_bp.route("/members", methods=["GET", "POST"])
def member_list():
    if not members.can_run_coalition(current_user):
        abort(403)
    form = MemberForm()
    page = form_page(form, "admin/members.html", members=members.all_members(),
                     people=services.user_list(""))
    if form.validate_on_submit():
        member = members.create_member(current_user, now_utc(), form.values())
        flash(_("%(name)s is a member organisation.", name=member.name), "success")
        return redirect(url_for("admin.member_list"))
    return page()


@admin_bp.route("/members/<int:member_id>/logo", methods=["POST"])
def member_logo(member_id):
    member = members.get_member(member_id)
    if not members.can_change_logo(current_user, member):
        abort(403)
    form = MemberLogoForm()

    def refused(exc):  # the members page again, the refusal named by its field, nothing saved
        field = next(iter(exc.fields or {}), None)
        flash(f"{form[field].label.text}: {exc.fields[field][0]}" if field in form else exc.message, "danger")
        page = render_template("admin/members.html", form=MemberForm(formdata=None), members=members.all_members(),
                               people=services.user_list(""), logo_form=form)
        return page, exc.status
    on_refusal(refused)
    if not form.validate_on_submit():
        abort(400)
    upload = form.logo.data
    chosen = upload.read(MAX_LOGO_BYTES + 1) if upload and getattr(upload, "filename", "") else None
    if chosen is None and not form.remove.data:
        raise ValidationError.for_fields({"logo": _("Choose a PNG or JPEG file, or tick “Remove the logo”.")})
    if members.set_logo(current_user, now_utc(), member, {"logo": None if form.remove.data else chosen}):
        flash(_("%(name)s's logo is saved.", name=member.name) if member.logo_type else
              _("%(name)s has no logo now.", name=member.name), "success")
    return redirect(url_for("admin.member_list"))


@admin_bp.route("/users/<int:user_id>/member", methods=["POST"])
def move_user(user_id):
    if not members.can_run_coalition(current_user):
        abort(403)
    user = db.get_or_404(User, user_id)
    form = MoveUserForm()
    if form.validate_on_submit():  # its CSRF token
        refused_redirect(url_for("admin.member_list"))
        if members.move_user(current_user, now_utc(), user, {"member_id": form.member_id.data}):
            flash(_("%(email)s now belongs to %(member)s.", email=user.email, member=user.member.name), "success")
    return redirect(url_for("admin.member_list"))


def _apply(action, success_message):
    refused_redirect(url_for("admin.users"))  # where every caller returns to
    action()
    sessions.keep(current_user)  # a change to one's own account ends one's other sessions, not this one
    flash(success_message, "success")
