"""Directory services: validate, create, edit, archive and find organisations and contacts."""
from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, or_, select

from engage.clock import timezone_for_city
from engage.countries import country_code
from engage.errors import ConflictError, NotFoundError, ValidationError
from engage.extensions import db
from engage.members.services import member_id_of
from engage.access.services import (VISIBILITY_APPLIED, apply_initial_sensitivity, check_may_set, get_visible,
                                    only_visible, select_visible, set_sensitivity, visible)
from engage import signals
from engage.history import diff_fields, record_change
from engage.i18n import N_
from engage.schemas import check

from .models import Contact, Organisation
from .protection import settle_protection
from .schemas import ContactCreate, ContactUpdate, contact_values, organisation_values


def _settle_protection(now, contact: Contact | None, values: dict[str, Any]) -> None:
    if contact is not None and contact.erased_at is not None:
        raise ConflictError(_("This contact's details were erased on request; it cannot be edited."))
    errors = settle_protection(now, contact, values)
    if errors:
        raise ValidationError.for_fields(errors)


# ---- organisations ----

def find_organisation_match(name: str, country: str | None, city: str | None,
                            exclude_id: int | None = None) -> Organisation | None:
    """The live organisation with the same name, country and city (case-insensitive), if any."""
    query = select(Organisation).where(
        func.lower(Organisation.name) == name.lower(),
        Organisation.is_archived.is_(False),
        (Organisation.country == country) if country else Organisation.country.is_(None),
        (func.lower(Organisation.city) == city.lower()) if city else Organisation.city.is_(None),
    )
    if exclude_id:
        query = query.where(Organisation.id != exclude_id)
    return db.session.scalars(query).first()


def create_organisation(actor, now, data: Any) -> Organisation:
    """Add an organisation (`data`: an OrganisationCreate or what it validates); its zone defaults from its city; refuses a duplicate of a live one."""
    values = organisation_values(data)
    if values.get("timezone") is None:
        values["timezone"] = timezone_for_city(values.get("city"))
    if find_organisation_match(values["name"], values.get("country"), values.get("city")):
        raise ConflictError(_("%(name)s (%(city)s) is already in the directory.", name=values["name"],
                              city=values.get("city") or _("no city")),
                            {"name": [_("An organisation with this name, country and city exists.")]})
    org = Organisation(**values, is_archived=False, created_at=now, updated_at=now)
    db.session.add(org)
    db.session.flush()
    record_change(actor, now, org, "created")
    return org


def update_organisation(actor, now, org: Organisation, data: Any) -> dict:
    """Change the fields sent (`data`: an OrganisationUpdate or what it validates) of an organisation; returns what changed."""
    values = organisation_values(data, partial=True)
    if "city" in values and "timezone" not in values and org.timezone == timezone_for_city(org.city):
        values["timezone"] = timezone_for_city(values["city"])  # follow the city unless set by hand
    name = values.get("name", org.name)
    if find_organisation_match(name, values.get("country", org.country), values.get("city", org.city),
                               exclude_id=org.id) and not org.is_archived:
        raise ConflictError(_("%(name)s is already in the directory.", name=name),
                            {"name": [_("Another organisation matches.")]})
    changed = diff_fields(org, values)
    if changed:
        org.updated_at = now
        record_change(actor, now, org, "updated", changed)
    return changed


def set_organisation_archived(actor, now, org: Organisation, archived: bool) -> None:
    """Archive (hide from pickers, keep in history) or restore an organisation."""
    if org.is_archived == archived:
        return
    if not archived and find_organisation_match(org.name, org.country, org.city, exclude_id=org.id):
        raise ConflictError(_("A live organisation called %(name)s exists; cannot restore this one.", name=org.name))
    org.is_archived = archived
    org.updated_at = now
    record_change(actor, now, org, "archived" if archived else "restored")


def get_organisation(org_id: int) -> Organisation:
    """The organisation with that id, or NotFoundError."""
    org = db.session.get(Organisation, org_id) if 0 < org_id < 2**31 else None
    if org is None:
        raise NotFoundError(_("No organisation with id %(id)s.", id=org_id))
    return org


def organisation_query(q: str | None = None, kind: str | None = None, city: str | None = None,
                       country: str | None = None, archived: bool | None = False, sort: str = "name"):
    """A select() of organisations matching the filters; `archived=None` means both."""
    query = select(Organisation)
    if archived is not None:
        query = query.where(Organisation.is_archived.is_(archived))
    if q:
        like = f"%{q.strip().lower()}%"
        matches = [func.lower(Organisation.name).like(like),
                   func.lower(func.coalesce(Organisation.email, "")).like(like),
                   func.lower(func.coalesce(Organisation.city, "")).like(like)]
        code = country_code(q)
        if code:  # "Germany" finds the German embassy even when its name is "Deutsche Botschaft"
            matches.append(Organisation.country == code)
        else:
            # A country's name is looked for in the country, never in the notes, which the list does
            # not show: "Germany" would match every mission whose notes list it among those it covers.
            matches.append(func.lower(func.coalesce(Organisation.notes, "")).like(like))
        query = query.where(or_(*matches))
    if kind:
        query = query.where(Organisation.kind == kind)
    if city:
        query = query.where(func.lower(Organisation.city) == city.strip().lower())
    if country:
        query = query.where(Organisation.country == (country_code(country) or country.upper()))
    order = {
        "name": (Organisation.name,), "-name": (Organisation.name.desc(),),
        "kind": (Organisation.kind, Organisation.name), "city": (Organisation.city, Organisation.name),
        "country": (Organisation.country, Organisation.name),
        "-kind": (Organisation.kind.desc(), Organisation.name),
        "-city": (Organisation.city.desc(), Organisation.name),
        "-country": (Organisation.country.desc(), Organisation.name),
        "updated": (Organisation.updated_at,), "-updated": (Organisation.updated_at.desc(),),
    }.get(sort, (Organisation.name,))
    return query.order_by(*order, Organisation.id)


def organisation_cities() -> list[str]:
    """Distinct cities in use, for the filter."""
    return [c for c in db.session.scalars(
        select(Organisation.city).where(Organisation.city.is_not(None)).distinct().order_by(Organisation.city))]


# ---- contacts ----

def find_live_contact_by_email(email: str, exclude_id: int | None = None) -> Contact | None:
    """The live contact with that email address, if any."""
    # Restricted contacts included: an address stays unique whoever can see its owner.
    query = (select(Contact).where(Contact.email == email.lower(), Contact.is_archived.is_(False))
             .execution_options(all_sensitivities=True))
    if exclude_id:
        query = query.where(Contact.id != exclude_id)
    return db.session.scalars(query).first()


UNUSABLE_EMAIL = N_("This email address cannot be used here.")  # translated where raised


def _refuse_email_clash(actor, email: str, exclude_id: int | None = None) -> None:
    """ConflictError (409, the email field named) when a live contact other than `exclude_id` has `email`.

    A clash with a contact the actor may see names it; with one they may not see, the message says
    only that the address cannot be used here (not whose it is, nor that it is restricted).
    """
    clash = _visible_clash(actor, email, exclude_id)
    if clash is None:
        return
    if clash is not False:
        raise ConflictError(_("%(name)s already uses the email %(email)s.", name=clash.full_name, email=email),
                            {"email": [_("Already used by another contact.")]})
    raise ConflictError(_(UNUSABLE_EMAIL), {"email": [_(UNUSABLE_EMAIL)]})


def _visible_clash(actor, email: str, exclude_id: int | None = None):
    """The live contact other than `exclude_id` using `email` when the actor may see it; False when
    one the actor may not see uses it (only its id is read); None when the address is free."""
    query = select(Contact.id).where(Contact.email == email.lower(), Contact.is_archived.is_(False))
    if exclude_id:
        query = query.where(Contact.id != exclude_id)
    # Restricted contacts included: an address stays unique whoever can see its owner.
    clash_id = db.session.scalar(query.limit(1).execution_options(all_sensitivities=True))
    if clash_id is None:
        return None
    seen = db.session.scalar(select_visible(actor, Contact).where(Contact.id == clash_id))
    return seen if seen is not None else False


def create_contact(actor, now, data: Any) -> Contact:
    """Add a contact (`data`: a ContactCreate or what it validates); refuses an email already used by a live contact."""
    body = check(ContactCreate, data)
    sensitivity = body.sensitivity
    values = contact_values(body)
    _settle_protection(now, None, values)
    _refuse_email_clash(actor, values["email"])
    contact = Contact(**values, is_archived=False, created_at=now, updated_at=now,
                      member_id=member_id_of(actor))  # whoever adds it owns its private details
    db.session.add(contact)
    db.session.flush()
    record_change(actor, now, contact, "created")
    if sensitivity:
        apply_initial_sensitivity(actor, now, contact, sensitivity)
    return contact


def update_contact(actor, now, contact: Contact, data: Any) -> dict:
    """Change the fields sent (`data`: a ContactUpdate or what it validates) of a contact; returns what changed."""
    body = check(ContactUpdate, data)
    sensitivity = body.sensitivity
    if sensitivity is not None:
        check_may_set(actor, contact, sensitivity)  # before anything changes
    values = contact_values(body, partial=True)
    _settle_protection(now, contact, values)
    if "email" in values and not contact.is_archived:
        _refuse_email_clash(actor, values["email"], contact.id)
    changed = diff_fields(contact, values)
    if changed:
        contact.updated_at = now
        record_change(actor, now, contact, "updated", changed)
    old_sensitivity = contact.sensitivity
    if sensitivity is not None and set_sensitivity(actor, now, contact, sensitivity):
        changed["sensitivity"] = [old_sensitivity, contact.sensitivity]
    if "do_not_contact" in changed and contact.do_not_contact:
        # Messages queued before the objection stay unsent (data protection's receiver).
        signals.contact_objected.send(contact, actor=actor, now=now)
    return changed


def set_contact_archived(actor, now, contact: Contact, archived: bool) -> None:
    """Archive or restore a contact (restoring needs its email to be free again)."""
    if contact.is_archived == archived:
        return
    if contact.erased_at is not None:
        raise ConflictError(_("This contact's details were erased on request; it cannot be restored."))
    clash = _visible_clash(actor, contact.email, contact.id) if not archived else None
    if clash is not None:
        raise ConflictError(_("Another live contact uses %(email)s; cannot restore this one.", email=contact.email)
                            if clash is not False else _("Cannot restore this contact: %(reason)s", reason=_(UNUSABLE_EMAIL)))
    contact.is_archived = archived
    contact.updated_at = now
    record_change(actor, now, contact, "archived" if archived else "restored")


def get_contact(contact_id: int, actor=None) -> Contact:
    """The contact with that id if `actor` may see it, or NotFoundError (without an actor: unchecked here)."""
    valid = 0 < contact_id < 2**31
    if actor is not None:
        contact = get_visible(actor, Contact, contact_id) if valid else None
    else:
        # A select, not session.get: in a request the access guard hides restricted contacts from it.
        contact = db.session.scalar(select(Contact).where(Contact.id == contact_id)) if valid else None
    if contact is None:
        raise NotFoundError(_("No contact with id %(id)s.", id=contact_id))
    return contact


def contact_query(q: str | None = None, organisation_id: int | None = None, kind: str | None = None,
                  city: str | None = None, country: str | None = None, archived: bool | None = False,
                  sort: str = "name", actor=None, member_id: int | None = None):
    """A select() of contacts matching the filters (search covers name, email, position, organisation, country);
    with `actor`, only those they may see; with `member_id`, those that member organisation added."""
    query = select(Contact).outerjoin(Contact.organisation)
    if actor is not None:
        query = only_visible(actor, query, Contact)
    if archived is not None:
        query = query.where(Contact.is_archived.is_(archived))
    if q:
        like = f"%{q.strip().lower()}%"
        matches = [func.lower(Contact.full_name).like(like), Contact.email.like(like),
                   func.lower(func.coalesce(Contact.position, "")).like(like),
                   func.lower(func.coalesce(Organisation.name, "")).like(like)]
        code = country_code(q)
        if code:
            matches.append(Organisation.country == code)
        query = query.where(or_(*matches))
    if organisation_id:
        query = query.where(Contact.organisation_id == organisation_id)
    if member_id:
        query = query.where(Contact.member_id == member_id)
    if kind:
        query = query.where(Organisation.kind == kind)
    if city:
        query = query.where(func.lower(Organisation.city) == city.strip().lower())
    if country:
        query = query.where(Organisation.country == (country_code(country) or country.upper()))
    order = {
        "name": (Contact.full_name,), "-name": (Contact.full_name.desc(),),
        "organisation": (Organisation.name, Contact.full_name), "email": (Contact.email,),
        "-organisation": (Organisation.name.desc(), Contact.full_name), "-email": (Contact.email.desc(),),
        "position": (Contact.position, Contact.full_name), "-position": (Contact.position.desc(), Contact.full_name),
        "updated": (Contact.updated_at,), "-updated": (Contact.updated_at.desc(),),
    }.get(sort, (Contact.full_name,))
    return query.order_by(*order, Contact.id)


def live_organisations() -> list[Organisation]:
    """Organisations for pickers: live ones only, by name."""
    return list(db.session.scalars(select(Organisation).where(Organisation.is_archived.is_(False))
                                   .order_by(Organisation.name)))


def live_contacts(actor) -> list[Contact]:
    """Live contacts that `actor` may see, by name, for pickers."""
    return list(db.session.scalars(select_visible(actor, Contact).where(Contact.is_archived.is_(False))
                                   .order_by(Contact.full_name)))


def directory_counts(actor=None) -> dict[str, int]:
    """How many live organisations and contacts (that `actor` may see) there are, for the start page:
    one statement (the start page asks much else)."""
    orgs = select(func.count()).select_from(Organisation).where(Organisation.is_archived.is_(False))
    contacts = select(func.count()).select_from(Contact).where(Contact.is_archived.is_(False))
    options = {}
    if actor is not None:
        # Filtered inside its subquery: the whole statement is marked as filtered by its service.
        contacts, options = contacts.where(visible(actor, Contact)), VISIBILITY_APPLIED
    query = select(orgs.scalar_subquery(), contacts.scalar_subquery()).execution_options(**options)
    organisations, people = db.session.execute(query).one()
    return {"organisations": organisations, "contacts": people}


def organisation_countries() -> list[str]:
    """Distinct country codes in use by organisations, for the filter."""
    return [c for c in db.session.scalars(
        select(Organisation.country).where(Organisation.country.is_not(None)).distinct().order_by(Organisation.country))]
