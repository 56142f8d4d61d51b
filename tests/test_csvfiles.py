"""What every CSV import says in words (engage/csvfiles.py), in the page's language."""
from engage.csvfiles import ImportReport, size_label
from engage.i18n import in_language


def test_an_import_summary_and_a_size_read_in_french_on_a_french_page_and_in_english_elsewhere(app):
    report = ImportReport(total=3, created=2, updated=1, skipped=4)
    assert report.summary() == "3 rows: 2 created, 1 updated, 0 unchanged; 4 rows for other states under review skipped"
    assert size_label(2 * 1024 * 1024) == "2 MB"
    with app.test_request_context("/"), in_language("fr"):
        assert report.summary() == ("3 lignes : 2 créées, 1 mises à jour, 0 inchangées ; 4 lignes concernant "
                                    "d’autres États examinés ignorées")
        assert size_label(2 * 1024 * 1024) == "2 Mo" and size_label(12) == "12 octets"
