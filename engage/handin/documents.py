"""Reports to hand in written out: the mid-term report as .docx (python-docx) and PDF (WeasyPrint, as
reports' printable summary), the stakeholder submission's annex as .docx.

Each takes a `content.Report` and returns the file's bytes; nothing here reads the database.
"""
from __future__ import annotations

import io

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.shared import Cm, Pt

from .content import Item, Report, long_date

DOCX_MIMETYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def default_introduction(report: Report) -> str:
    """The introduction a new draft starts from, for the lead to rewrite."""
    return (f"This mid-term report is submitted by {report.coalition}. It reviews the implementation by "
            f"{report.state_name} of the {report.scope_label}, over the period {report.period_label}.")


def default_methodology(report: Report) -> str:
    """The method a new draft starts from: how the evidence was gathered."""
    return (f"{report.coalition} assessed each recommendation from meetings with the ministries and agencies "
            "responsible for it, government and civil-society reports and the media. Each status below is the "
            "latest assessment made in the period; the sources are listed at the end of the report.")


def _cover(doc, report: Report, subtitle: str) -> None:
    title = doc.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = title.add_run(report.coalition)
    run.bold, run.font.size = True, Pt(16)
    doc.add_heading(report.title, level=0).alignment = WD_ALIGN_PARAGRAPH.CENTER
    for line in (subtitle, f"Universal Periodic Review of {report.state_name}",
                 f"Period covered: {report.period_label}", f"Date: {long_date(report.made_on)}"):
        paragraph = doc.add_paragraph(line)
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER


def _paragraphs(doc, text: str) -> None:
    for block in (text or "").split("\n\n"):
        if block.strip():
            doc.add_paragraph(block.strip())


def _evidence_text(item: Item) -> str:
    evidence = item.evidence
    if evidence is None:
        return "No assessment in the period."
    refs = "".join(f"[{n}]" for n in evidence.source_numbers)
    text = evidence.shown_text or "(No evidence written.)"
    return f"{text} {refs}".strip()


def _status_text(item: Item) -> str:
    evidence = item.evidence
    if evidence is None or evidence.assessed_on is None:
        return item.status_label
    return f"{item.status_label} (assessed {long_date(evidence.assessed_on)})"


def _sources(doc, report: Report) -> None:
    doc.add_heading("Sources", level=1)
    if not report.sources:
        doc.add_paragraph("No sources were recorded with the evidence.")
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
    _cover(doc, report, f"Submitted by {report.coalition}")
    doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    doc.add_heading("1. Introduction", level=1)
    _paragraphs(doc, report.introduction or default_introduction(report))
    doc.add_heading("2. Methodology", level=1)
    _paragraphs(doc, report.methodology or default_methodology(report))
    doc.add_heading("3. Implementation of the recommendations", level=1)
    if not report.items:
        doc.add_paragraph("No recommendation matches the choices made for this report.")
    for group in report.groups:
        level = 2
        if group.cluster is not None:
            doc.add_heading(f"Cluster: {group.cluster.name}", level=2)
            if group.cluster.description:
                doc.add_paragraph(group.cluster.description)
            if group.cluster.comment:
                paragraph = doc.add_paragraph()
                paragraph.add_run(f"Comment of {report.coalition}: ").bold = True
                paragraph.add_run(group.cluster.comment)
            level = 3
        elif report.clusters:
            doc.add_heading("Other recommendations", level=2)
            level = 3
        for item in group.items:
            _item(doc, report, item, level)
    doc.add_heading("4. Summary of the status of implementation", level=1)
    summary = doc.add_table(rows=1, cols=2)
    summary.style = "Table Grid"
    summary.rows[0].cells[0].text, summary.rows[0].cells[1].text = "Status", "Recommendations"
    for label, count in report.status_counts:
        cells = summary.add_row().cells
        cells[0].text, cells[1].text = label, str(count)
    if report.conclusion:
        doc.add_heading("5. Conclusion and recommendations", level=1)
        _paragraphs(doc, report.conclusion)
    _sources(doc, report)
    return _save(doc)


def _item(doc, report: Report, item: Item, level: int) -> None:
    """One recommendation: its heading, then a two-column table of what UPR Info's guide asks for."""
    doc.add_heading(f"Recommendation {item.reference}", level=level)
    table = doc.add_table(rows=0, cols=2)
    table.style = "Table Grid"
    for label, value in (("Recommendation", item.text),
                         ("Recommended by", item.state_names),
                         (f"Response of {report.state_name}", item.response_label),
                         ("Ministries and agencies responsible", ", ".join(item.ministries) or "Not recorded"),
                         ("Status of implementation", _status_text(item)),
                         ("Evidence", _evidence_text(item)),
                         (f"Comment of {report.coalition}", item.comment or "")):
        cells = table.add_row().cells
        cells[0].text, cells[1].text = label, value
        cells[0].width, cells[1].width = Cm(4.5), Cm(11.5)
        cells[0].paragraphs[0].runs[0].bold = True


ANNEX_COLUMNS = ("Ref.", "Recommendation", "Response", "Status", "Evidence")


def annex_docx(report: Report) -> bytes:
    """The stakeholder submission's annex: one table row per recommendation (reference, text with its
    states, response, status, evidence), landscape, then the sources; made to be pasted into the joint report."""
    doc = Document()
    section = doc.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = section.page_height, section.page_width
    doc.add_heading(report.title, level=1)
    doc.add_paragraph(f"{report.coalition}. Universal Periodic Review of {report.state_name}: "
                      f"{report.scope_label}. Status as assessed {report.period_label}.")
    table = doc.add_table(rows=1, cols=len(ANNEX_COLUMNS))
    table.style = "Table Grid"
    for cell, label in zip(table.rows[0].cells, ANNEX_COLUMNS, strict=True):
        cell.text = label
        cell.paragraphs[0].runs[0].bold = True
    for item in report.items:
        cells = table.add_row().cells
        values = (item.reference, f"{item.text} ({item.state_names})", item.response_label,
                  _status_text(item), _evidence_text(item))
        for cell, value in zip(cells, values, strict=True):
            cell.text = value
    _sources(doc, report)
    return _save(doc)
