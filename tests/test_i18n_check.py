"""`make i18n-check` (tests/i18n_check.py): it passes on the repository as it is, and refuses what it is for."""
from babel.messages.catalog import Catalog
from jinja2 import Environment

from tests import i18n_check


def test_the_catalogues_and_the_declared_templates_pass():
    assert i18n_check.problems() == []


def test_a_word_outside_a_translation_call_is_refused_in_a_declared_template():
    env = Environment(extensions=["jinja2.ext.i18n"])
    problems = i18n_check.template_problems(env, "x.html", """
        <p class="{{ 'a' if x else 'b' }}">{{ _("Marked %(n)s", n=x) }} &#10003;</p>
        <p>Not marked</p>
        <img alt="A logo" src="{{ url }}">
        <span>{{ name or "colleague" }}</span>""")
    assert problems == ["x.html: unmarked alt='A logo'", "x.html:5: unmarked text printed 'colleague'",
                        "x.html: unmarked text 'Not marked'"]
    assert i18n_check.template_problems(env, "x.txt", "{{ _('Dear %(n)s,', n=n) }}\n— {{ url }}\n") == []
    assert i18n_check.template_problems(env, "x.txt", "Length:    {{ c.duration }}\n") == \
        ["x.txt: unmarked text 'Length:'"]


def test_a_message_missing_from_the_french_catalogue_is_reported():
    source = Catalog()
    source.add("A sentence nobody translated", locations=[("engage/templates/email/_layout.html", 1)])
    problems = i18n_check.catalogue_problems(source)
    assert "fr: missing 'A sentence nobody translated' (engage/templates/email/_layout.html:1): " \
           "run make i18n-update, then translate it" in problems
    assert any(p.startswith("es: missing") for p in problems)  # recipients read it: Spanish too
