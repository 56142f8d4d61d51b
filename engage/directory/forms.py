"""Forms for organisations, contacts and CSV imports."""
from __future__ import annotations

from functools import lru_cache
from zoneinfo import ZoneInfo

from flask_babel import gettext as _, lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, EmailField, RadioField, SelectField, StringField, SubmitField, TelField, TextAreaField
from wtforms.validators import DataRequired

from engage.access.models import SENSITIVITIES
from engage.clock import GENEVA, NAIROBI, all_timezones, timezone_for_city
from engage.countries import country_choices
from engage.forms import DateInput, mark_required

from .models import ORGANISATION_KINDS, Organisation
from .protection import LAWFUL_BASES
from .schemas import ContactCreate, OrganisationCreate
from .services import live_organisations


@lru_cache(maxsize=1)
def _zone_choices() -> tuple[tuple[str, str], ...]:
    return tuple((z, z.replace("_", " ")) for z in all_timezones() if z not in (NAIROBI, GENEVA))


def timezone_choices(blank_label: str) -> list[tuple[str, str]]:
    """The blank choice, then Nairobi and Geneva (their cities in the page's language), then every IANA zone."""
    # Nairobi and Geneva are where nearly every meeting happens: keep them at the top.
    first = [(NAIROBI, _("Nairobi") + " — Africa/Nairobi (EAT)"), (GENEVA, _("Geneva") + " — Europe/Zurich (CET/CEST)")]
    return [("", blank_label), *first, *_zone_choices()]


def _translated(labels: dict[str, str]) -> list[tuple[str, str]]:
    # The labels are marked where defined (N_) and shown in the page's language; the values stay the keys.
    return [(key, _(label)) for key, label in labels.items()]


def _optional_id(value):
    # Anything but a number is left as it came, for the schema to refuse by name.
    if value in (None, ""):
        return None
    return int(value) if isinstance(value, int) or (isinstance(value, str) and value.isdigit()) else value


def _blank_to_none(value):
    return value if value not in ("", None) else None


class OrganisationForm(FlaskForm):
    """Adding and editing an organisation. It only shows the fields and carries the CSRF token: what is
    valid is OrganisationCreate's to say (directory/schemas.py); its fields are named alike, so a
    refusal lands beside its field. Choices are not checked here (validate_choice=False) for the same reason."""

    name = StringField(_l("Name"))
    kind = SelectField(_l("Kind"), choices=list(ORGANISATION_KINDS.items()), validate_choice=False)
    country = SelectField(_l("Country"), description=_l("For a mission or embassy: the state it represents."),
                          validate_choice=False)
    city = StringField(_l("City"))
    timezone = SelectField(_l("Time zone"), description=_l("Leave it to follow the city: Nairobi → Africa/Nairobi, "
                                                           "Geneva → Europe/Zurich."), validate_choice=False)
    email = EmailField(_l("Email"))
    phone = TelField(_l("Phone"), description=_l("+CC… or a Kenyan number such as 020 271 7077."))
    website = StringField(_l("Website"))
    notes = TextAreaField(_l("Notes"), render_kw={"rows": 4})
    source = StringField(_l("Where the details came from"))
    submit = SubmitField(_l("Save"))

    def __init__(self, *args, organisation: Organisation | None = None, **kwargs):
        super().__init__(*args, obj=organisation, **kwargs)
        self.organisation = organisation
        mark_required(self, OrganisationCreate)
        self.kind.choices = _translated(ORGANISATION_KINDS)
        self.country.choices = [("", _("— none —")), *country_choices()]
        self.timezone.choices = timezone_choices(_("Follow the city"))
        if organisation is not None and not self.is_submitted() \
                and organisation.timezone == timezone_for_city(organisation.city):
            self.timezone.data = ""  # it follows the city; show that rather than the zone it led to

    def service_data(self) -> dict:
        """The values to hand to create_organisation/update_organisation."""
        data = {name: self[name].data for name in ("name", "kind", "city", "email", "phone", "website",
                                                   "notes", "source")}
        data["country"] = _blank_to_none(self.country.data)
        data["timezone"] = _blank_to_none(self.timezone.data)
        org = self.organisation
        if org is not None and data["timezone"] is None and org.timezone == timezone_for_city(org.city):
            del data["timezone"]  # still following its city: let the service move the zone with the city
        return data


class ContactForm(FlaskForm):
    """Adding and editing a contact: fields and CSRF only; ContactCreate (directory/schemas.py) says what
    is valid, under the same field names."""

    full_name = StringField(_l("Full name"))
    email = EmailField(_l("Email"))
    position = StringField(_l("Position"))
    organisation_id = SelectField(_l("Organisation"), coerce=_optional_id, validate_choice=False)
    phone = TelField(_l("Phone"), description=_l("+CC… or a Kenyan number such as 0722 000 000."))
    language = StringField(_l("Preferred language"), default="en", description=_l("A language tag: en, fr, sw…"))
    timezone = SelectField(_l("Time zone"), description=_l("Leave it to use the organisation's time zone."),
                           validate_choice=False)
    notes = TextAreaField(_l("Notes"), render_kw={"rows": 4})
    source = StringField(_l("Where the details came from"))
    lawful_basis = SelectField(_l("Lawful basis"), choices=list(LAWFUL_BASES.items()), default="legitimate_interest",
                               validate_choice=False,
                               description=_l("Legitimate interest for officials acting in their role; consent "
                                              "otherwise, with the wording they agreed to and when."))
    # Named as the contact schema (and the API) name them; the inputs keep the names they always posted.
    consent_text = TextAreaField(_l("Consent: the wording they agreed to"), name="consent_wording",
                                 render_kw={"rows": 2})
    consent_at = DateInput(_l("Consent given on"), name="consent_given_at")
    privacy_notice_sent_on = DateInput(_l("Privacy notice sent on"), name="privacy_notice_sent_at")
    do_not_contact = BooleanField(_l("Do not contact (they objected, or withdrew consent)"),
                                  description=_l("engage then sends them no invitation, update or reminder."))
    do_not_contact_reason = StringField(_l("Why not contact them"),
                                        description=_l("An objection, or consent withdrawn; no other details."))
    sensitivity = SelectField(_l("Sensitivity"), choices=list(SENSITIVITIES.items()), default="internal",
                              validate_choice=False,
                              description=_l("Restricted: only people granted it, and the data-protection officer, "
                                             "can find this contact."))
    submit = SubmitField(_l("Save"))

    def __init__(self, *args, contact=None, **kwargs):
        if contact is not None:  # the fields named unlike their columns
            kwargs = {"consent_text": contact.consent_wording, "consent_at": contact.consent_given_at,
                      "privacy_notice_sent_on": contact.privacy_notice_sent_at, **kwargs}
        super().__init__(*args, obj=contact, **kwargs)
        self.contact = contact
        mark_required(self, ContactCreate)
        choices = [("", _("— none —"))] + [(o.id, _org_label(o)) for o in live_organisations()]
        current = contact.organisation if contact is not None else None
        if current is not None and current.is_archived:
            # Keep the archived organisation it already has selectable, so saving other fields works.
            choices.append((current.id, _("%(name)s (archived)", name=_org_label(current))))
        self.organisation_id.choices = choices
        self.timezone.choices = timezone_choices(_("Same as the organisation"))
        self.lawful_basis.choices = _translated(LAWFUL_BASES)
        # The access package's labels: translated here if marked there, else shown as they are.
        self.sensitivity.choices = _translated(SENSITIVITIES)

    def service_data(self) -> dict:
        """The values to hand to create_contact/update_contact."""
        data = {name: self[name].data for name in ("full_name", "email", "position", "phone", "language",
                                                   "notes", "source", "sensitivity")}
        data["organisation_id"] = self.organisation_id.data
        data["timezone"] = _blank_to_none(self.timezone.data)
        data.update({name: self[name].data for name in ("lawful_basis", "consent_text", "do_not_contact",
                                                        "do_not_contact_reason")})
        for name, column in (("consent_at", "consent_given_at"), ("privacy_notice_sent_on", "privacy_notice_sent_at")):
            stored = getattr(self.contact, column, None)
            if stored is None or self[name].data != stored.astimezone(ZoneInfo(NAIROBI)).date():
                data[name] = self[name].data  # a date: the service reads it as that day in Nairobi
        if self.contact is not None and data["organisation_id"] == self.contact.organisation_id:
            del data["organisation_id"]  # unchanged (perhaps archived since): nothing to check
        return data


def _org_label(org: Organisation) -> str:
    return f"{org.name} ({org.city})" if org.city else org.name


class ImportForm(FlaskForm):
    kind = RadioField(_l("What the file holds"), choices=[("organisations", _l("Organisations")),
                                                          ("contacts", _l("Contacts"))],
                      default="organisations", validators=[DataRequired(_l("Choose organisations or contacts."))])
    file = FileField(_l("CSV file (UTF-8)"), validators=[FileRequired(_l("Choose a CSV file to upload."))])
    submit = SubmitField(_l("Check and import"))
