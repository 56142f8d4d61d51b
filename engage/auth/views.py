"""Sign-in, account and user administration pages."""
from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import select

from engage.clock import now_utc
from engage.errors import ServiceError
from engage.extensions import db, limiter
from engage.forms import apply_errors
from engage.urls import is_safe_redirect

from . import services, sessions
from .forms import ChangePasswordForm, ConfirmForm, ConfirmPasswordForm, LoginForm, NewTokenForm, NewUserForm, RoleForm
from .models import ApiToken, User
from .permissions import require_role_for_blueprint

bp = Blueprint("auth", __name__)
admin_bp = Blueprint("admin", __name__, url_prefix="/admin")
require_role_for_blueprint(admin_bp, "admin")


def _login_limit():
    return current_app.config["ENGAGE_LOGIN_RATE_LIMIT"]


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm()
    if form.validate_on_submit():
        now = now_utc()
        user = services.authenticate(form.email.data, form.password.data, now)
        if user is None:
            flash("That email and password do not match an active account.", "danger")
        else:
            db.session.commit()
            login_user(user, remember=form.remember.data)
            sessions.start(now)
            target = request.args.get("next")
            return redirect(target if is_safe_redirect(target) else url_for("main.home"))
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
def logout():
    logout_user()
    sessions.clear()
    flash("You are signed out.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/confirm-password", methods=["GET", "POST"])
@login_required
@limiter.limit(_login_limit, methods=["POST"])
def confirm_password():
    form = ConfirmPasswordForm()
    target = request.args.get("next")
    if form.validate_on_submit():
        if current_user.check_password(form.password.data):
            sessions.confirm_password(now_utc())
            return redirect(target if is_safe_redirect(target) else url_for("main.home"))
        form.password.errors.append("That is not your password.")
        return render_template("auth/confirm_password.html", form=form), 422
    return render_template("auth/confirm_password.html", form=form)


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account():
    form = ChangePasswordForm(prefix="pw")
    token_form = NewTokenForm(prefix="tok")
    if form.submit.data and form.validate_on_submit():
        try:
            services.change_password(current_user, form.current_password.data,
                                     form.new_password.data, now_utc())
        except ServiceError as exc:
            apply_errors(form, exc)
        else:
            db.session.commit()
            flash("Your password is changed.", "success")
            return redirect(url_for("auth.account"))
    tokens = db.session.scalars(select(ApiToken).where(ApiToken.user_id == current_user.id)
                                .order_by(ApiToken.created_at.desc())).all()
    return render_template("auth/account.html", form=form, token_form=token_form, tokens=tokens,
                           revoke_form=ConfirmForm())


@bp.route("/account/tokens", methods=["POST"])
@login_required
def create_token():
    form = NewTokenForm(prefix="tok")
    if not form.validate_on_submit():
        flash("The token name is too long.", "danger")
        return redirect(url_for("auth.account"))
    _, secret = services.create_api_token(current_user, now_utc(), form.name.data)
    db.session.commit()
    return render_template("auth/token_created.html", secret=secret)


@bp.route("/account/tokens/<int:token_id>/revoke", methods=["POST"])
@login_required
def revoke_token(token_id):
    token = db.get_or_404(ApiToken, token_id)
    if ConfirmForm().validate_on_submit():
        try:
            services.revoke_api_token(current_user, token, now_utc())
        except ServiceError as exc:
            flash(exc.message, "danger")
        else:
            db.session.commit()
            flash(f"Token {token.prefix}… is revoked.", "success")
    return redirect(request.referrer if is_safe_redirect(request.referrer) else url_for("auth.account"))


@admin_bp.route("/users", methods=["GET", "POST"])
def users():
    form = NewUserForm()
    if form.validate_on_submit():
        password = services.generate_password()
        try:
            user = services.create_user(current_user, now_utc(), form.email.data, form.full_name.data,
                                        form.role.data, password)
        except ServiceError as exc:
            apply_errors(form, exc)
        else:
            db.session.commit()
            flash(f"{user.email} can now sign in with the password {password} — "
                  "pass it on safely; it is not shown again.", "success")
            return redirect(url_for("admin.users"))
    rows = db.session.scalars(select(User).order_by(User.is_disabled, User.email)).all()
    return render_template("admin/users.html", form=form, users=rows, role_form=RoleForm,
                           confirm_form=ConfirmForm())


@admin_bp.route("/users/<int:user_id>/role", methods=["POST"])
def change_role(user_id):
    user = db.get_or_404(User, user_id)
    form = RoleForm()
    if form.validate_on_submit():
        _apply(lambda: services.set_role(current_user, now_utc(), user, form.role.data),
               f"{user.email} is now {form.role.data}.")
    return redirect(url_for("admin.users"))


@admin_bp.route("/users/<int:user_id>/disable", methods=["POST"])
def disable(user_id):
    user = db.get_or_404(User, user_id)
    if ConfirmForm().validate_on_submit():
        _apply(lambda: services.set_disabled(current_user, now_utc(), user, True),
               f"{user.email} can no longer sign in.")
    return redirect(url_for("admin.users"))


@admin_bp.route("/users/<int:user_id>/enable", methods=["POST"])
def enable(user_id):
    user = db.get_or_404(User, user_id)
    if ConfirmForm().validate_on_submit():
        _apply(lambda: services.set_disabled(current_user, now_utc(), user, False),
               f"{user.email} can sign in again.")
    return redirect(url_for("admin.users"))


def _apply(action, success_message):
    try:
        action()
    except ServiceError as exc:
        db.session.rollback()
        flash(exc.message, "danger")
    else:
        db.session.commit()
        flash(success_message, "success")
