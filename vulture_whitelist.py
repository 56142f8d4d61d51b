"""Names vulture reports as unused that are used where it cannot look (a path in [tool.vulture]).

vulture reads Python only: Jinja templates, libraries reading attributes we set, the database
writing and reading columns, and tests calling services all use names it never sees. A name here
is used; a name that is really dead is deleted, never added here. Never imported or run.
"""
_ = object

# The app factory: wsgi.py, `flask --app engage`, gunicorn 'engage:create_app()'.
_.create_app

# Read by the Jinja templates in engage/templates (properties, view-model fields, columns shown).
_.accept_url, _.decline_url, _.maybe_url, _.answer_page_url, _.when_for_recipient, _.recipient_name
_.attendee_removed, _.is_today, _.in_month, _.fold_needed, _.structure, _.ask_past_due
_.action_label, _.kind_label, _.location_kind_label, _.implementation_label, _.reason_label, _.state_label
_.status_colour, _.can_resend, _.duration_minutes, _.is_open, _.is_revoked, _.active, _.as_args
_.has_next, _.has_prev, _.next_num, _.prev_num, _.iter_pages, _.totals
_.commitments_total, _.states_met, _.states_with_recommendations, _.last_on, _.last_position
_.granted_at, _.granted_by, _.opened_by, _.closed_by, _.held_at, _.cancelled_at, _.started_at
_.last_fetched_at, _.last_job, _.last_login_at, _.subject_ref, _.superseded_by_id
_.records_args, _.finished_at, _.commitment_cells, _.priority_label, _.booked
_.hidden_phrase  # meetings' pages say "and 1 other attendee" (calendars word it per language themselves)
# The booking form's invitation title in other languages, read back by name (meetings/forms.py, service_data).
_.invitation_title_fr, _.invitation_title_es, _.invitation_title_sw

# Columns and relationships kept for the schema, the exports and SQLAlchemy's flush order.
_.added_by_id  # reply_alias: which staff member trusted the address
_.consent_at, _.consent_text, _.privacy_notice_sent_on, _.processed_at, _.sent_on, _.erased
_.done_at, _.done_by, _.updated_by, _.superseded_by, _.outbox_message_id, _.attendee_name, _.proposed_wording
_.recommending_state_name, _.ics_url, _.position_label, _.target_state_names  # API and export fields, read by name
_.recommending_state_names  # the API's field (engage/api/recommendations.py)
_.row_count, _.recommendation_count  # read by the coverage and planning templates
_._first_of_the_states  # pydantic calls a model validator

# Set for a library that reads them: Flask-Login, WTForms, email's charset, openpyxl, vobject.
_.login_view, _.login_message, _.login_message_category, _.localize_callback, _.widget, _.option_widget
_.body_encoding, _.font, _.freeze_panes, _.type_param

# Overrides a library calls: flask_sqlalchemy's Pagination asks a subclass for its items and count;
# WTForms asks a field to read what was posted.
_._query_items, _._query_count, _.process_formdata

# Flags on flask.g read back with g.get("…") (engage/access/guard.py).
_._access_resolving, _.restricted_audited

# Services the tests (and an operator's flask shell) call directly.
_.audit_restricted, _.claim_due_messages, _.find_live_contact_by_email, _.groups_of
_.last_position_for_state, _.new_key, _.reschedule_meeting, _.storage_matches, _.calendar_method

# Read by SQLAlchemy: an SQL function's cache flag and its renderers per dialect (@compiles), a column
# type's implementation per dialect (engage/dbtypes.py).
_.inherit_cache, _._iso_utc, _._iso_utc_sqlite, _.load_dialect_impl
_.session_interface  # Flask reads it: engage.auth.sessions.SessionInterface

# What a suggestion of engage/asks/matching.py is made of, for the pages that show it, and the loader
# of a cycle's candidates; until those pages call them, the tests and bench/matching.py do.
_.text_score, _.shared_themes, _.target_state, _.matched_terms, _.load_candidates

# Recommendation sources (engage/upr/sources.py): columns written in bulk, labels and API fields read by name.
_.imported_by_id, _.resolved_by_id, _.shown_kind_label, _.other_kind_label, _.recommendation_label
_.disagreements, _.conflicting, _.review

# Cycles: API fields read by name, a template's property, a foreign key column.
_.engagement_starts_on, _.engagement_ends_on, _.states_not_met, _.window_is_default, _.cycle_id
_.shown_label  # the engagement window as the recommendation pages name it, in their language

# Write schemas: pydantic calls a field validator by itself.
_._same_as_the_new, _._one_of_the_two

# ask_match (engage/asks/models.py): read by the matches pages, their exports and the uptake report.
_.verdict_label, _.taken_up, _.decided_by, _.decided_at
_.suggestions  # the API's field (engage/api/asks.py, AskMatches)

# Implementation tracking: the read API other packages (pages, reports) call, and the services its pages call.
_.latest_assessments, _.last_assessed_on, _.responsibilities_for, _.responsible_for, _.get_assessment
_.create_assessment, _.update_assessment, _.delete_assessment, _.get_document, _.delete_document
_.responsible_choices, _.set_responsibilities, _.source_label, _.confidence_label, _.link_list, _.role_label
_.badge_class  # the matrix template

# The uptake report's API (engage/api/reports.py): response fields read by name.
_.pitched_taken_up, _.taken_up_without_meeting, _.asks_not_taken_up, _.asks_pitched, _.taken_up_after_meeting
_.generated_at

# Reports to hand in (engage/handin): python-docx reads what is set on its objects (alignment, style,
# orientation); pydantic calls a field validator by itself.
_.alignment, _.style, _.orientation, _._after_the_start

# Clusters' API fields (engage/api/clusters.py), read by name.
_.member_count, _.threshold, _.best_threshold, _.latest_status, _.latest_assessed_on
_.assessment_ids  # a cluster's assessments recorded together (POST /clusters/{id}/assessments)
_.supported  # the SDG report's API field (engage/api/reports.py), read by name

# Member organisations: a template calls the coordination warning's sentence.
_.sentence

# An assessment document's download through the API (engage/api/implementation.py), read by name.
_.api_url

# The follow-up board (engage/upr/board.py): an API field read by name, pydantic's validator, and who
# made a claim (kept beside who pitches it).
_.latest_position, _.known_state, _.claimed_by_id
_.sharing_label  # a meeting's sharing in words, read by the meeting page (meetings/_sharing.html)
_.a_raster_image  # pydantic calls the member logo validator by itself (engage/members/schemas.py)
