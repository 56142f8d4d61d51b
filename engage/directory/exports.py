"""Directory exports: CSV of any filtered list (streamed, re-importable) and vCards of contacts."""
from __future__ import annotations

import re
from collections.abc import Iterator

import vobject
from sqlalchemy.orm import contains_eager

from engage.access.services import sees_private_details
from engage.countries import country_name
from engage.extensions import db
from engage.spreadsheets import ROWS_PER_CHUNK, csv_chunks

from .models import Contact, Organisation

# The column names are those the importer reads, so an export can be edited and imported back;
# the extra columns (id, country_name, archived) are ignored on import.
ORGANISATION_EXPORT_COLUMNS = ("id", "name", "kind", "country", "country_name", "city", "timezone", "email",
                               "phone", "website", "notes", "source", "archived")
CONTACT_EXPORT_COLUMNS = ("id", "full_name", "email", "organisation", "organisation_city", "position", "phone",
                          "language", "timezone", "notes", "source", "archived")


def organisations_csv(query) -> Iterator[str]:
    """The organisations a query selects, as CSV text in chunks (header first), for streaming."""
    def rows():
        for org in db.session.scalars(query.execution_options(yield_per=ROWS_PER_CHUNK)):
            yield (org.id, org.name, org.kind, org.country, country_name(org.country), org.city, org.timezone,
                   org.email, org.phone, org.website, org.notes, org.source, org.is_archived)
    return csv_chunks(ORGANISATION_EXPORT_COLUMNS, rows(), bom=True)


def contacts_csv(query, actor=None) -> Iterator[str]:
    """The contacts a contact_query() selects, as CSV text in chunks (header first), for streaming; their
    notes only where `actor` may read private details (in a coalition, the adding member's)."""
    # contact_query() already joins the organisation: load it from that join, not one query per row.
    query = query.options(contains_eager(Contact.organisation))

    def rows():
        for contact in db.session.scalars(query.execution_options(yield_per=ROWS_PER_CHUNK)):
            org: Organisation | None = contact.organisation
            yield (contact.id, contact.full_name, contact.email, org.name if org else None,
                   org.city if org else None, contact.position, contact.phone, contact.language,
                   contact.timezone, contact.notes if sees_private_details(actor, contact) else None,
                   contact.source, contact.is_archived)
    return csv_chunks(CONTACT_EXPORT_COLUMNS, rows(), bom=True)


def export_filename(kind: str, now) -> str:
    """engage-contacts-20261128-0900.csv: what and when, safe in every file system."""
    return f"engage-{kind}-{now:%Y%m%d-%H%M}.csv"


def _split_name(full_name: str) -> tuple[str, str]:
    parts = full_name.split()
    if len(parts) < 2:
        return full_name, ""
    return parts[-1], " ".join(parts[:-1])


def contact_vcard(contact: Contact) -> str:
    """A vCard 3.0 of a contact: name, email, organisation, position, phone and the organisation's city."""
    card = vobject.vCard()
    card.add("version").value = "3.0"
    card.add("fn").value = contact.full_name
    family, given = _split_name(contact.full_name)
    card.add("n").value = vobject.vcard.Name(family=family, given=given)
    email = card.add("email")
    email.value = contact.email
    email.type_param = "INTERNET"
    org = contact.organisation
    if org is not None:
        card.add("org").value = [org.name]
        if org.city:
            # Only the city: an organisation's country is the state it represents (Norway's mission
            # sits in Geneva), not where its office is.
            address = card.add("adr")
            address.value = vobject.vcard.Address(city=org.city)
            address.type_param = "WORK"
    if contact.position:
        card.add("title").value = contact.position
    if contact.phone:
        phone = card.add("tel")
        phone.value = contact.phone
        phone.type_param = "WORK"
    card.add("uid").value = f"engage-contact-{contact.id}"
    if contact.updated_at is not None:
        card.add("rev").value = contact.updated_at.strftime("%Y%m%dT%H%M%SZ")
    return card.serialize()


def vcard_filename(contact: Contact) -> str:
    """A file name from the contact's name, e.g. Jane-Wanjiru.vcf."""
    stem = re.sub(r"[^\w-]+", "-", contact.full_name, flags=re.UNICODE).strip("-")[:80]
    return f"{stem or 'contact'}.vcf"
