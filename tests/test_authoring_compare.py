"""Revisions compared word by word, as the text reads once rendered."""
from __future__ import annotations

from app.authoring import revisions
from app.authoring.compare import ADDED, MAX_WORDS, REMOVED, SAME, Paragraph, Piece, compare, compare_words


def words(pieces, kind):
    return [piece.text.strip() for piece in pieces if piece.kind == kind]


def test_only_the_changed_words_are_marked():
    old, new = compare_words("KIM menyebarkan informasi kepada warga desa.", "KIM menyebarkan kabar resmi kepada warga desa.")
    assert words(old, REMOVED) == ["informasi"] and words(new, ADDED) == ["kabar resmi"]
    assert "".join(piece.text for piece in old) == "KIM menyebarkan informasi kepada warga desa."
    assert "".join(piece.text for piece in new) == "KIM menyebarkan kabar resmi kepada warga desa."


def test_paragraphs_are_aligned_and_long_unchanged_runs_folded():
    before = [Paragraph(f"Paragraf {n} tetap sama.") for n in range(10)]
    after = before[:5] + [Paragraph("Paragraf baru di tengah.")] + before[5:9] + [Paragraph("Paragraf 9 sedikit berubah.")]
    rows = compare(before, after).rows
    added = [row for row in rows if row.old is None and not row.folded]
    assert [words(row.new, ADDED) for row in added] == [["Paragraf baru di tengah."]]
    changed = next(row for row in rows if row.old is not None and row.new is not None and not row.same)
    assert words(changed.old, REMOVED) == ["tetap sama."] and words(changed.new, ADDED) == ["sedikit berubah."]
    # Two unchanged paragraphs of context around each change; the rest is one folded line.
    assert [row.folded for row in rows if row.folded] == [3]
    assert sum(1 for row in rows if row.same) == 6


def test_identical_texts_show_no_change():
    text = [Paragraph("Isi", label=True), Paragraph("Sama persis.")]
    assert not compare(text, list(text)).changed


def test_a_huge_rewrite_is_shown_replaced_whole_instead_of_matched_word_by_word():
    # Past MAX_WORDS differing words the matcher (quadratic) is not run: the middle is replaced whole.
    old_text = " ".join(f"lama{n}" for n in range(MAX_WORDS * 5))
    new_text = " ".join(f"baru{n}" for n in range(MAX_WORDS * 5))
    old, new = compare_words("Awal " + old_text + " akhir", "Awal " + new_text + " akhir")
    assert [p.kind for p in old] == [SAME, REMOVED, SAME] and [p.kind for p in new] == [SAME, ADDED, SAME]
    assert old[1] == Piece(REMOVED, old_text + " ")


def test_a_lesson_is_compared_as_it_reads_with_images_by_their_alt_text(app):
    before = {"title": "Peta KIM", "body_md": "## Sebaran\n\nAda **dua** KIM.\n\n![Peta lama](berkas/peta.png)"}
    after = {"title": "Peta KIM", "body_md": "## Sebaran\n\nAda **tiga** KIM.\n\n![Peta baru](berkas/peta.png)"}
    with app.test_request_context("/"):
        readable = revisions.readable("lesson", before)
        rows = revisions.compare_snapshots("lesson", before, after).rows
    assert [p.text for p in readable] == ["Judul: Peta KIM", "Isi", "Sebaran", "Ada dua KIM.", "[gambar: Peta lama]"]
    changed = [row for row in rows if not row.same and not row.folded]
    assert [(words(row.old, REMOVED), words(row.new, ADDED)) for row in changed] == [
        (["dua"], ["tiga"]), (["lama]"], ["baru]"])]
