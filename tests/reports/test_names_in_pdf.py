"""Names in French, Spanish, Arabic, Chinese and Kiswahili survive the printable summary as PDF: the text
read back from the file (pypdf) holds each as typed. Chinese needs a CJK font on the server (Debian's
fonts-wqy-microhei; README, "Running in production"); without one the test says so and skips."""
import io
import shutil
import subprocess
import unicodedata

import pytest

from engage.extensions import db
from tests.directory.test_names_in_scripts import NAMES


def _has_font_for(language: str) -> bool:
    if shutil.which("fc-list") is None:
        return False
    found = subprocess.run(["fc-list", f":lang={language}"], capture_output=True, text=True)
    return bool(found.stdout.strip())


def test_names_in_every_script_read_back_from_the_pdf(world, lead_client, frozen):
    from engage.pdf import pdf_available

    pypdf = pytest.importorskip("pypdf")
    if not pdf_available():
        pytest.skip("WeasyPrint or Pango is not installed")
    if not _has_font_for("zh"):
        pytest.skip("no font with Chinese glyphs (apt-get install fonts-wqy-microhei): 王小明 would print as boxes")
    # The commitment secured at Germany's embassy names its people; the embassy is named in Arabic too.
    outcome = world.outcomes["de_hiv"]
    outcome.commitment = "With " + ", ".join(NAMES.values())
    world.orgs["de"].name = "سفارة ألمانيا"
    db.session.commit()
    response = lead_client.get("/reports/summary.pdf?theme=HIV%2FAIDS")
    assert response.status_code == 200
    pages = pypdf.PdfReader(io.BytesIO(response.get_data())).pages
    # A table cell wraps lines where it must: read the text as one line.
    read = " ".join(unicodedata.normalize("NFKC", " ".join(page.extract_text() for page in pages)).split())
    for name in [*NAMES.values(), "سفارة ألمانيا"]:
        assert unicodedata.normalize("NFKC", name) in read, name
