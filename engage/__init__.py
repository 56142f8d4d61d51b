"""engage: diplomatic engagement for UPR advocacy."""
from __future__ import annotations

import functools
import os

from flask import Flask

from engage import settings


def create_app(config: str | None = None, **overrides) -> Flask:
    """Build the app: configuration, extensions, blueprints and CLI — nothing else.

    `config` names the profile (development, testing, production; default ENGAGE_ENV); `overrides`
    are app.config values that win over the environment and the profile, checked like them.
    """
    app = Flask(__name__, instance_relative_config=False)  # templates/ and static/ ship inside the package
    app.config.update(settings.load(config, overrides))  # read and checked once; SettingsError names the bad variable
    from engage.urls import RecordIdConverter
    app.url_map.converters["int"] = RecordIdConverter  # every <int:…> in a route is a record id
    # The factory imports the packages it assembles here, not at the top of this module: every
    # `import engage.<anything>` runs this file first, and must not load the whole app with it.
    from engage import sealed
    sealed.init_app(app)  # refuses a malformed key now rather than at the first restricted save

    from engage import boundary, extensions, headers, models, web  # noqa: F401  (models: the whole schema for Alembic)
    from engage.access.views import bp as access_bp
    from engage.asks.views import bp as asks_bp
    from engage.clusters.views import bp as clusters_bp
    from engage.api.views import create_blueprint as api_blueprint
    from engage.auth.audit_log import bp as audit_bp
    from engage.auth.views import admin_bp, bp as auth_bp
    from engage.cycles.views import bp as cycles_bp
    from engage.dataprotection.views import bp as dataprotection_bp
    from engage.directory.views import bp as directory_bp
    from engage.handin.views import bp as handin_bp
    from engage.implementation.views import bp as implementation_bp
    from engage.importjobs.views import bp as imports_bp
    from engage.invitations.views import bp as rsvp_bp
    from engage.invitations.views import replies_bp
    from engage.meetings.views import bp as meetings_bp, feeds_bp as calendar_bp
    from engage.organisation.views import bp as organisation_bp, logo_bp as organisation_logo_bp
    from engage.outbox.views import bp as outbox_bp
    from engage.outcomes.views import bp as outcomes_bp
    from engage.reminders.views import bp as scheduler_bp
    from engage.reports.views import bp as reports_bp
    from engage.upr.board_views import bp as board_bp
    from engage.upr.views import asks_plan_bp, bp as upr_bp

    boundary.init_app(app)  # first: its commit must run after every other after_request hook
    headers.init_app(app)  # security headers on every answer; the trusted proxies' X-Forwarded-*
    extensions.init_db(app)  # db, plus SQLite's pragmas (foreign keys on) on every connection
    # Inside the package, so an installed engage (no checkout) can still `engage setup`.
    extensions.migrate.init_app(app, extensions.db, directory=os.path.join(app.root_path, "migrations"),
                                render_as_batch=True)
    extensions.csrf.init_app(app)
    extensions.bootstrap.init_app(app)
    extensions.limiter.init_app(app)
    from engage import i18n
    i18n.init_app(app)  # Flask-Babel: the locale of each page, gettext in templates
    web.init_app(app)

    app.register_blueprint(web.bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(organisation_bp)
    app.register_blueprint(organisation_logo_bp)
    app.register_blueprint(audit_bp)
    app.register_blueprint(directory_bp)
    app.register_blueprint(upr_bp)
    app.register_blueprint(asks_bp)
    app.register_blueprint(clusters_bp)
    app.register_blueprint(asks_plan_bp)
    app.register_blueprint(board_bp)
    app.register_blueprint(cycles_bp)
    app.register_blueprint(imports_bp)
    app.register_blueprint(meetings_bp)
    app.register_blueprint(calendar_bp)
    app.register_blueprint(rsvp_bp)
    app.register_blueprint(replies_bp)
    app.register_blueprint(scheduler_bp)
    api_bp = api_blueprint()  # every resource's routes, registered here rather than on import
    app.register_blueprint(api_bp)
    app.register_blueprint(outbox_bp)
    app.register_blueprint(outcomes_bp)
    app.register_blueprint(implementation_bp)
    app.register_blueprint(reports_bp)
    app.register_blueprint(handin_bp)
    app.register_blueprint(dataprotection_bp)
    app.register_blueprint(access_bp)
    from engage.access import guard
    from engage.members import services as members
    members.install()  # every new user and owned record gets its member organisation
    guard.init_app(app)  # restricted records: filtered from every query, views audited
    extensions.csrf.exempt(api_bp)  # token-authenticated; no cookies, so no CSRF

    _connect_reactions()
    _register_import_kinds()
    _register_feeds()
    _add_template_globals(app)

    from engage.cli import register_cli
    register_cli(app)
    return app


def _connect_reactions() -> None:
    """Wire each domain's reaction to changes in the domains below it — everything one change sets off.

    Lower layers never import higher ones (docs/architecture.md, "Layers"); they announce, and the
    receivers connected here act inside the same transaction. Connecting twice (several apps in one
    process) keeps one connection each.
    """
    from engage import signals
    from engage.dataprotection.services import refuse_if_do_not_contact, withhold_on_objection
    from engage.invitations.services import on_change as send_invitations
    from engage.meetings.receivers import resend_restricted
    from engage.meetings.changes import on_meeting_change
    from engage.reminders.services import on_change as plan_reminders

    # Every meeting change: invitations, updates and cancellations queued, then reminders re-planned.
    on_meeting_change(send_invitations)
    on_meeting_change(plan_reminders)
    # A meeting restricted while still to come is sent again, so calendars drop its first title.
    signals.sensitivity_changed.connect(resend_restricted)
    # A contact who objects gets none of the mail still queued for them, nor any rendered later.
    signals.contact_objected.connect(withhold_on_objection)
    signals.message_to_recipient.connect(refuse_if_do_not_contact)


def _register_import_kinds() -> None:
    """The imports a big upload may run as a background job (engage/importjobs), each as its own page would."""
    from engage.directory.imports import import_csv_bytes
    from engage.importjobs.services import ImportKind, register_kind
    from engage.upr import previews
    from engage.upr.imports import import_recommendations_bytes

    for kind in ("organisations", "contacts"):
        register_kind(ImportKind(kind, functools.partial(import_csv_bytes, kind), role="staff",
                                 page="directory.import_csv", records=f"directory.{kind}",
                                 records_args={"sort": "-updated"}))
    # The catalogue of recommendations is the leads' to keep: every lead sees every such import.
    register_kind(ImportKind("recommendations", import_recommendations_bytes, role="lead", page="upr.import_csv",
                             records="upr.index", shared_with="lead", review="upr.review",
                             counts=previews.preview_counts, counts_text=previews.counts_text))


def _register_feeds() -> None:
    """Private calendar feeds of records above meetings, served at the meetings' feed addresses."""
    from engage.cycles.calendar import milestones_ics
    from engage.meetings.calendar import register_feed

    register_feed("milestones", milestones_ics)


def _add_template_globals(app: Flask) -> None:
    """Template helpers that other packages' pages include (they run queries, so they are listed here)."""
    from engage.dataprotection import views as dataprotection_views
    from engage.implementation import views as implementation_views
    from engage.invitations import views as invitations_views
    from engage.meetings import views as meetings_views
    from engage.organisation import views as organisation_views
    from engage.outcomes import views as outcomes_views

    meetings_views.init_app(app)
    outcomes_views.init_app(app)
    implementation_views.init_app(app)
    dataprotection_views.init_app(app)
    invitations_views.init_app(app)
    organisation_views.init_app(app)
