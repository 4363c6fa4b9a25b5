"""Every athlete-facing text reads at about US grade 8: none above grade 10.

The grade is the Flesch-Kincaid grade level (0.39 x words per sentence + 11.8 x syllables
per word - 15.59), as computed by textstat. Option labels are left out: a formula for
sentences says nothing about a label of one or two words.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import textstat

from service.rulebook import Rulebook, load

MAX_GRADE = 10.0


def athlete_texts(book: Rulebook) -> Iterator[tuple[str, str]]:
    """(where, text) for each text an athlete reads: questions, cautions, steps, notes and reasons."""
    for question in book.questions:
        yield f"question {question.id}: text", question.text
        if question.help:
            yield f"question {question.id}: help", question.help
    for code, caution in book.cautions.items():
        yield f"caution {code}", caution.text
    for code, text in book.preparation.items():
        yield f"preparation {code}", text
    for rule in book.rules:
        yield f"rule {rule.id}: reason", rule.reason
        if rule.variant:
            yield f"rule {rule.id}: variant reason", rule.variant["reason"]
        if rule.timing:
            yield f"rule {rule.id}: timing note", rule.timing["note"]


def grade(text: str) -> float:
    return float(textstat.flesch_kincaid_grade(text))


TEXTS = list(athlete_texts(load()))


@pytest.mark.parametrize(("where", "text"), TEXTS, ids=[where for where, _ in TEXTS])
def test_text_reads_at_grade_10_or_below(where: str, text: str) -> None:
    assert grade(text) <= MAX_GRADE, f"{where} reads at grade {grade(text):.1f}: {text}"


def test_the_texts_read_at_about_grade_8_on_the_whole() -> None:
    grades = sorted(grade(text) for _, text in TEXTS)
    assert grades[len(grades) // 2] <= 8.0


def test_the_grade_tells_jargon_from_plain_words() -> None:
    plain = "Stop at once if you feel a pinch at the front of the hip."
    jargon = ("Femoroacetabular impingement restricts physiological internal rotation "
              "secondary to morphological abnormalities of the proximal femur.")
    assert grade(plain) <= 8.0 < MAX_GRADE < grade(jargon)
