"""Values as documents print them: blanks for nothing, WinAnsi-safe letters, French dates."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, date, datetime

import pytest
from reportlab.pdfbase.pdfmetrics import stringWidth

from pipeline.documents import DossierFacts
from pipeline.documents.layout import Sheet
from pipeline.documents.text import blank, date_and_time, long_date, printable, size_label
from pipeline.documents.wrap import wrap


@pytest.mark.parametrize("value", [None, "", "  ", "null", "None", "NaN", float("nan"), "n/a"])
def test_nothing_prints_as_a_blank(value: object) -> None:
    assert blank(value) == ""
    assert printable(value) == ""


def test_french_letters_stay_and_others_lose_only_their_accent() -> None:
    assert printable("Œuvre « Cœur » — Éloïse Ça") == "Œuvre « Cœur » — Éloïse Ça"
    assert printable("Łucja Őrs Đorđe Ştefan") == "Lucja Ors Dorde Stefan"
    assert printable("雪") == "?"


def test_control_characters_and_runs_of_spaces_collapse() -> None:
    assert printable("a\tb\x00c   d\u00a0e") == "a b c d e"
    assert printable("ligne 1\n  ligne 2", multiline=True) == "ligne 1\nligne 2"


def test_dates_and_sizes_read_as_in_french() -> None:
    assert long_date(date(2026, 3, 1)) == "1er mars 2026"
    assert long_date(date(2026, 8, 15)) == "15 août 2026"
    assert date_and_time(datetime(2026, 7, 1, 6, 5, tzinfo=UTC)) == "01/07/2026 à 8 h 05"
    assert size_label(850) == "850 octets"
    assert size_label(1_500_000) == "1,4 Mo"


def test_facts_refuse_a_naive_filing_time() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        DossierFacts("TD-X", "RecensementCitoyen", "D", "99999", "a@b.fr",
                     datetime(2026, 1, 1), {})


def test_long_words_break_after_a_hyphen_and_never_overflow() -> None:
    name = "MARIE-ÉLÉONORE-" * 6 + "X" * 80

    lines = wrap(name, "Helvetica-Bold", 9.5, 120)

    assert "".join(lines) == name
    assert all(stringWidth(line, "Helvetica-Bold", 9.5) <= 120 for line in lines)
    assert all(line.endswith("-") for line in lines[:3])


def fastest(run: Callable[[], object], tries: int = 3) -> float:
    """The best of a few timings: other work on the machine only ever slows a run down."""
    best = float("inf")
    for _ in range(tries):
        start = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - start)
    return best


def draw_field(value: str) -> bytes:
    sheet = Sheet(title="Notice", author="Démoville", subject="RCO", footer="TD-LONGLONG1")
    sheet.field("Nom de famille (de naissance)", value)
    return sheet.finish()


@pytest.mark.parametrize("unit", ["X", "DE-LA-TOUR ", "é"], ids=["one-word", "words", "accents"])
def test_drawing_a_field_grows_linearly_with_its_length(unit: str) -> None:
    # Intake refuses such lengths now; a dossier stored before must still not jam the pipeline.
    # Ten times the text must cost about ten times as much, not a hundred (quadratic wrapping).
    long = (unit * (200_000 // len(unit) + 1))[:200_000]
    short = long[:20_000]

    ratio = fastest(lambda: draw_field(long)) / fastest(lambda: draw_field(short))

    assert ratio < 30, f"200 000 characters took {ratio:.0f} times as long as 20 000"


def test_a_single_long_word_is_cut_into_full_lines_keeping_every_letter() -> None:
    word = "X" * 200_000

    lines = wrap(word, "Helvetica-Bold", 9.5, 120)

    assert "".join(lines) == word
    assert all(stringWidth(line, "Helvetica-Bold", 9.5) <= 120 for line in lines)
    # Every line but the last is full: one more letter would not fit.
    assert all(stringWidth(line + "X", "Helvetica-Bold", 9.5) > 120 for line in lines[:-1])
