"""Reports to hand in written out: the mid-term report as .docx (python-docx) and PDF (WeasyPrint, as
reports' printable summary), the stakeholder submission's annex as .docx.

Each takes a `content.Report` and returns the file's bytes; nothing here reads the database. The words
engage writes (headings, labels) are in the language of the page that asks for the file (Flask-Babel's
locale); what the report quotes stays as written.
"""
from __future__ import annotations

import io

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.shared import Cm, Pt
from flask_babel import gettext as _

from engage.i18n import N_

from .content import Item, Report, long_date

DOCX_MIMETYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def default_introduction(report: Report) -> str:
    """The introduction a new draft starts from, for the lead to rewrite."""
    return _("This mid-term report is submitted by %(coalition)s. It reviews the implementation by %(state)s of "
             "the %(scope)s, over the period %(period)s.", coalition=report.coalition, state=report.state_name,
             scope=report.scope_label, period=report.period_label)


def default_methodology(report: Report) -> str:
    """The method a new draft starts from: how the evidence was gathered."""
    return _("%(coalition)s assessed each recommendation from meetings with the ministries and agencies responsible "
             "for it, government and civil-society reports and the media. Each status below is the latest "
             "assessment made in the period; the sources are listed at the end of the report.",
             coalition=report.coalition)


def _cover(doc, report: Report, subtitle: str) -> None:
    title = doc.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = title.add_run(report.coalition)
    run.bold, run.font.size = True, Pt(16)
    doc.add_heading(report.title, level=0).alignment = WD_ALIGN_PARAGRAPH.CENTER
    for line in (subtitle, _("Universal Periodic Review of %(state)s", state=report.state_name),
                 _("Period covered: %(period)s", period=report.period_label),
                 _("Date: %(day)s", day=long_date(report.made_on))):
        paragraph = doc.add_paragraph(line)
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER


def _paragraphs(doc, text: str) -> None:
    for block in (text or "").split("\n\n"):
        if block.strip():
            doc.add_paragraph(block.strip())


def _evidence_text(item: Item) -> str:
    evidence = item.evidence
    if evidence is None:
        return _("No assessment in the period.")
    refs = "".join(f"[{n}]" for n in evidence.source_numbers)
    text = evidence.shown_text or _("(No evidence written.)")
    return f"{text} {refs}".strip()


def _status_text(item: Item) -> str:
    evidence = item.evidence
    if evidence is None or evidence.assessed_on is None:
        return _(item.status_label)
    return _("%(status)s (assessed %(day)s)", status=_(item.status_label), day=long_date(evidence.assessed_on))


def _sources(doc, report: Report) -> None:
    doc.add_heading(_("Sources"), level=1)
    if not report.sources:
        doc.add_paragraph(_("No sources were recorded with the evidence."))
    for number, source in enumerate(report.sources, start=1):
        doc.add_paragraph(f"[{number}] {source.shown}")


def _save(doc) -> bytes:
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def midterm_docx(report: Report) -> bytes:
    """The mid-term report: cover, introduction, methodology, one section per recommendation (the
    recommendation, its states, the response, the status, the evidence, the coalition's comment),
    a summary of statuses, the conclusion and the sources."""
    doc = Document()
    _cover(doc, report, _("Submitted by %(coalition)s", coalition=report.coalition))
    doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    doc.add_heading(_("1. Introduction"), level=1)
    _paragraphs(doc, report.introduction or default_introduction(report))
    doc.add_heading(_("2. Methodology"), level=1)
    _paragraphs(doc, report.methodology or default_methodology(report))
    doc.add_heading(_("3. Implementation of the recommendations"), level=1)
    if not report.items:
        doc.add_paragraph(_("No recommendation matches the choices made for this report."))
    for group in report.groups:
        level = 2
        if group.cluster is not None:
            doc.add_heading(_("Cluster: %(name)s", name=group.cluster.name), level=2)
            if group.cluster.description:
                doc.add_paragraph(group.cluster.description)
            if group.cluster.comment:
                paragraph = doc.add_paragraph()
                paragraph.add_run(_("Comment of %(coalition)s:", coalition=report.coalition) + " ").bold = True
                paragraph.add_run(group.cluster.comment)
            level = 3
        elif report.clusters:
            doc.add_heading(_("Other recommendations"), level=2)
            level = 3
        for item in group.items:
            _item(doc, report, item, level)
    doc.add_heading(_("4. Summary of the status of implementation"), level=1)
    summary = doc.add_table(rows=1, cols=2)
    summary.style = "Table Grid"
    summary.rows[0].cells[0].text, summary.rows[0].cells[1].text = _("Status"), _("Recommendations")
    for label, count in report.status_counts:
        cells = summary.add_row().cells
        cells[0].text, cells[1].text = _(label), str(count)
    if report.conclusion:
        doc.add_heading(_("5. Conclusion and recommendations"), level=1)
        _paragraphs(doc, report.conclusion)
    _sources(doc, report)
    return _save(doc)


def _item(doc, report: Report, item: Item, level: int) -> None:
    """One recommendation: its heading, then a two-column table of what UPR Info's guide asks for."""
    doc.add_heading(_("Recommendation %(reference)s", reference=item.reference), level=level)
    table = doc.add_table(rows=0, cols=2)
    table.style = "Table Grid"
    for label, value in ((_("Recommendation"), item.text),
                         (_("Recommended by"), item.state_names),
                         (_("Response of %(state)s", state=report.state_name), _(item.response_label)),
                         (_("Ministries and agencies responsible"), ", ".join(item.ministries) or _("Not recorded")),
                         (_("Status of implementation"), _status_text(item)),
                         (_("Evidence"), _evidence_text(item)),
                         (_("Comment of %(coalition)s", coalition=report.coalition), item.comment or "")):
        cells = table.add_row().cells
        cells[0].text, cells[1].text = label, value
        cells[0].width, cells[1].width = Cm(4.5), Cm(11.5)
        cells[0].paragraphs[0].runs[0].bold = True


ANNEX_COLUMNS = (N_("Ref."), N_("Recommendation"), N_("Response"), N_("Status"), N_("Evidence"))


def annex_docx(report: Report) -> bytes:
    """The stakeholder submission's annex: one table row per recommendation (reference, text with its
    states, response, status, evidence), landscape, then the sources; made to be pasted into the joint report."""
    doc = Document()
    section = doc.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = section.page_height, section.page_width
    doc.add_heading(report.title, level=1)
    doc.add_paragraph(_("%(coalition)s. Universal Periodic Review of %(state)s: %(scope)s. Status as assessed "
                        "%(period)s.", coalition=report.coalition, state=report.state_name, scope=report.scope_label,
                        period=report.period_label))
    table = doc.add_table(rows=1, cols=len(ANNEX_COLUMNS))
    table.style = "Table Grid"
    for cell, label in zip(table.rows[0].cells, ANNEX_COLUMNS, strict=True):
        cell.text = _(label)
        cell.paragraphs[0].runs[0].bold = True
    for item in report.items:
        cells = table.add_row().cells
        values = (item.reference, f"{item.text} ({item.state_names})", _(item.response_label),
                  _status_text(item), _evidence_text(item))
        for cell, value in zip(cells, values, strict=True):
            cell.text = value
    _sources(doc, report)
    return _save(doc)
