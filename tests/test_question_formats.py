"""GIFT and Aiken read as Moodle reads them, and questions written back as GIFT and Moodle XML.

The samples are this project's own; the constructs and the expected questions, weights and
feedback follow the cases of Moodle's importer tests (question/format/gift/tests and
question/format/aiken/tests in Moodle's repository).
"""
from __future__ import annotations

import html
import itertools
import xml.etree.ElementTree as ET

import pytest

from app.authoring.qformats import markdown_literal, parse_aiken, parse_gift
from app.authoring.services import AuthoringError, decode_upload, imported_question
from app.catalog import qexport
from app.catalog.coursefiles.content import FolderChoice, FolderQuestion
from app.quizzes.grading import (FALSE_KEY, TRUE_KEY, choice_weights, grade, is_correct_weight,
                                 question_from_spec as gradable)
from app.sanitize import render_inline, render_markdown


def _one(gift: str) -> dict:
    result = parse_gift(gift)
    assert result.errors == []
    return result.questions[0]


def _weights(question: dict) -> list:
    return [choice.get("weight") for choice in question["choices"]]


# GIFT as Moodle reads it ---------------------------------------------------------------------

def test_one_right_answer_with_feedback_and_formats_per_answer() -> None:
    question = _one("""\
// pilihan ganda dengan umpan balik untuk jawaban benar dan salah
::S1:: Warna apa di antara jingga dan hijau?
{
    =kuning # tepat; bagus!
    ~merah # [html]<b>salah</b>, jawabannya kuning
    ~[plain]biru *tua* # salah, jawabannya kuning
}""")
    assert question["type"] == "single"
    assert question["text"] == "Warna apa di antara jingga dan hijau?"
    assert question["choices"] == [
        {"text": "kuning", "correct": True, "feedback": "tepat; bagus!"},
        {"text": "merah", "correct": False, "feedback": "<b>salah</b>, jawabannya kuning"},
        # [plain] is shown literally: the asterisks stay asterisks.
        {"text": "biru \\*tua\\*", "correct": False, "feedback": "salah, jawabannya kuning"},
    ]
    assert render_inline(question["choices"][2]["text"]) == "biru *tua*"
    assert render_inline(question["choices"][1]["feedback"]) == "<b>salah</b>, jawabannya kuning"


def test_several_answers_with_weights_including_negative_ones() -> None:
    question = _one("""\
::warna:: Warna apa di antara jingga dan hijau?
{
    ~%50%kuning # benar
    ~%-100%merah # [html]salah
    ~%50%kuning gading # benar
    ~%-100%[plain]biru # salah
}""")
    assert question["type"] == "multiple"
    assert [choice["text"] for choice in question["choices"]] == ["kuning", "merah", "kuning gading", "biru"]
    # Moodle's fractions 0.5, -1, 0.5, -1: each wrong tick costs a full 100% here, more than
    # Kelas KIM's own partial scoring would take, so the weights are kept.
    assert _weights(question) == [50, -100, 50, -100]
    assert [choice["correct"] for choice in question["choices"]] == [True, False, True, False]
    assert [choice["feedback"] for choice in question["choices"]] == ["benar", "salah", "benar", "salah"]


def test_weights_that_grade_like_partial_scoring_are_stored_without_weights() -> None:
    # Moodle's fractions 1, -0.5, -0.5 are exactly Kelas KIM's partial scoring of one right choice
    # among three, so the question is stored as a plain multiple-answer question.
    question = _one("::warna:: Warna apa? {~%100%kuning # benar ~%-50%merah # salah ~%-50%biru # salah}")
    assert question["type"] == "multiple" and question["scoring"] == "partial"
    assert _weights(question) == [None, None, None]
    assert [choice["correct"] for choice in question["choices"]] == [True, False, False]


def test_one_right_answer_and_partial_credit_is_single_choice_with_weights() -> None:
    # The case that used to become a multiple-answer question with every weighted answer right.
    question = _one("Ibu kota Kaltim? {=Samarinda ~%50%Nusantara#Ibu kota negara, bukan provinsi ~Balikpapan}")
    assert question["type"] == "single"
    assert [(choice["correct"], choice["weight"]) for choice in question["choices"]] == [
        (True, 100), (False, 50), (False, 0)]
    assert question["choices"][1]["feedback"] == "Ibu kota negara, bukan provinsi"


def test_a_weight_on_an_equals_answer_counts_as_moodle_counts_it() -> None:
    # Moodle takes %n% over the marker: =%50% is half the points, as ~%50% is.
    assert _one("Ibu kota Kaltim? {=Samarinda =%50%Nusantara ~Balikpapan}")["choices"] == \
        _one("Ibu kota Kaltim? {=Samarinda ~%50%Nusantara ~Balikpapan}")["choices"]


def test_short_answer_with_weighted_alternatives_feedback_and_general_feedback() -> None:
    question = _one("""\
// question: 666  name: Singkat
::Singkat::Hewan apa yang terbaik?{
    =Pesut#Bagus!
    =%50%Kucing#Mengapa selalu kucing?
    =%0%*#Sama sekali salah
    ####[html]Ini umpan balik <i>umum</i>.
}""")
    assert question["type"] == "short"
    assert question["accepted"] == [
        {"text": "Pesut", "feedback": "Bagus!"},
        {"text": "Kucing", "weight": 50, "feedback": "Mengapa selalu kucing?"},
        {"text": "*", "weight": 0, "feedback": "Sama sekali salah"},
    ]
    assert question["explanation"] == "Ini umpan balik <i>umum</i>."
    data = imported_question(question)
    assert data.accepted == ["Pesut", "Kucing", "*"]
    assert data.accepted_weights == [100, 50, 0]
    assert data.accepted_feedback == ["Bagus!", "Mengapa selalu kucing?", "Sama sekali salah"]


def test_true_false_words_exactly_as_moodle_reads_them() -> None:
    result = parse_gift("::B1:: 42 adalah jawaban segalanya.{\nFALSE#42 adalah jawaban pamungkas.#Jawaban Anda benar.}"
                        "\n\n::2-08 TSL::TSL adalah anu.{T}\n\n::2-09::Dua.{TRUE}\n\n::2-10::Tiga.{F}"
                        "\n\n::kecil::Huruf kecil {true}")
    assert result.errors == []
    false_question, true_1, true_2, false_2, lower = result.questions
    assert false_question["answer"] is False
    # Moodle: the first # is shown to a wrong answer (True), the second to the right one (False).
    assert false_question["feedback_true"] == "42 adalah jawaban pamungkas."
    assert false_question["feedback_false"] == "Jawaban Anda benar."
    assert (true_1["answer"], true_2["answer"], false_2["answer"]) == (True, True, False)
    assert true_1["id"] == "2-08-tsl"
    # Only T, TRUE, F and FALSE make a true/false question; "true" is a short answer, as in Moodle.
    assert lower["type"] == "short" and lower["accepted"] == ["true"]


def test_true_false_with_general_feedback_after_the_two_feedbacks() -> None:
    question = _one("::B2:: KIM dibentuk pemerintah pusat.{\nFALSE#Keliru.#Tepat.\n####KIM tumbuh dari *warga*.}")
    assert (question["type"], question["answer"]) == ("truefalse", False)
    assert (question["feedback_true"], question["feedback_false"]) == ("Keliru.", "Tepat.")
    assert question["explanation"] == "KIM tumbuh dari *warga*."


def test_answers_and_feedback_take_the_question_texts_format_unless_they_name_their_own() -> None:
    plain = _one("::P::[plain]Soal *miring*? {=ya *a* # umpan *b* ~[html]<i>tidak</i> ####umum *c*}")
    assert plain["text"] == "Soal \\*miring\\*?"
    assert plain["choices"] == [{"text": "ya \\*a\\*", "correct": True, "feedback": "umpan \\*b\\*"},
                                {"text": "<i>tidak</i>", "correct": False}]
    assert plain["explanation"] == "umum \\*c\\*"
    assert render_inline(plain["choices"][0]["text"]) == "ya *a*"
    html_question = _one("::H::[html]Soal <b>tebal</b>? {=<i>ya</i> ~tidak}")
    assert render_inline(html_question["choices"][0]["text"]) == "<i>ya</i>"


def test_backslashes_and_escaped_braces_in_html_text() -> None:
    assert _one("::garis miring:: A \\\\ B \\\\\\\\ C{=x}")["text"] == "A \\ B \\\\ C"
    question = _one("::Q001::[html]<p>Apa yang dicetak?</p>\n<pre>\n    void uji() \\{\n        cetak();\n    \\}\n</pre>\n{=a ~b}")
    assert question["text"] == "<p>Apa yang dicetak?</p>\n<pre>\n    void uji() {\n        cetak();\n    }\n</pre>"
    assert "    void uji() {\n        cetak();" in render_markdown(question["text"])


def test_categories_and_comment_tags_become_tags() -> None:
    result = parse_gift("""\
$CATEGORY: $course$/top/Modul 1: Pengantar KIM

// Soal ini punya tag: [tag:peran] [tag:  dasar ].
// Dan nomor: [id:q7].
::Bertag:: Siapa membentuk KIM? {=Masyarakat ~Pemerintah pusat}

::Tanpa tag:: Apa KIM? {T}
""")
    assert result.errors == []
    assert [question.get("tags") for question in result.questions] == [
        ["modul-1-pengantar-kim", "peran", "dasar"], ["modul-1-pengantar-kim"]]
    assert [question["id"] for question in result.questions] == ["q7", "tanpa-tag"]


@pytest.mark.parametrize("comment, question_id, tags", [
    ("", "apa-itu-kim", []),
    ("// Komentar biasa saja.", "apa-itu-kim", []),
    ("// Nomor soal [id:pesut] <-- ini.", "pesut", []),
    ("// Tag: [tag:pesut] [tag:enggang].", "apa-itu-kim", ["pesut", "enggang"]),
    ("// [tag:tambah] [tag:dasar] [id:empat]", "empat", ["tambah", "dasar"]),
    ("// [tag:  dasar] Ini  \n// sebuah [id:   empat   ] so[tag:tambah   ]al.", "empat", ["dasar", "tambah"]),
    ("// Ini bukan [tag:\n// \\ pesut].", "apa-itu-kim", []),  # a tag never runs over two lines
    # Moodle reads i]d and t]ag; ids and tags here are slugs, so the ] becomes a hyphen.
    ("// [id:i\\]d].", "i-d", []),
    ("// [tag:t\\]ag].", "apa-itu-kim", ["t-ag"]),
])
def test_ids_and_tags_in_comments_as_moodle_reads_them(comment, question_id, tags) -> None:
    question = _one(f"{comment}\n::Apa itu KIM:: Apa itu KIM? {{T}}")
    assert question["id"] == question_id
    assert question.get("tags", []) == tags


@pytest.mark.parametrize("gift, error", [
    ("::E8:: Apa kabar? {}", "Baris 1: soal esai ({}) tidak didukung"),
    ("::garis miring:: A \\\\ B {}", "Baris 1: soal esai ({}) tidak didukung"),
    (("::Jodoh::[html]Pasangkan <b>kegiatan</b>.{\n    =[html]Rapat warga. -> Musyawarah\n"
      "    =[plain]Papan info. -> Mading\n    = -> Pengecoh\n}"), "Baris 1: soal menjodohkan (->) tidak didukung"),
    ("::A5:: Bilangan dari 1 sampai 5? {#3:2~#Salah sama sekali}", "Baris 1: soal numerik ({#...}) tidak didukung"),
    ("::Info::Bacaan tanpa pertanyaan.", "Baris 1: blok jawaban { } tidak ditemukan (soal deskripsi tidak didukung)"),
])
def test_types_kelas_kim_does_not_have_are_reported_by_line(gift, error) -> None:
    result = parse_gift("// didahului komentar\n" + gift)
    assert result.questions == []
    assert [str(found) for found in result.errors] == [error.replace("Baris 1", "Baris 2")]


@pytest.mark.parametrize("gift, error", [
    ("Dua benar? {=a =b ~c}", "Baris 1: soal pilihan tunggal hanya boleh punya satu jawaban benar (=); "
                              "untuk soal banyak jawaban beri bobot, misalnya ~%50%"),
    ("Jumlah? {~%50%a ~%20%b ~c}", "Baris 1: bobot positif soal banyak jawaban harus berjumlah 100%, bukan 70%"),
    ("Sebagian? {=%50%a ~b}", "Baris 1: soal pilihan tunggal harus punya tepat satu pilihan bernilai 100%"),
    ("Singkat? {=%50%a =%20%b}", "Baris 1: minimal satu jawaban yang diterima harus bernilai 100%"),
    ("Bobot besar? {~%150%a ~%-50%b}", "Baris 1: bobot jawaban harus antara -100% dan 100%"),
])
def test_weights_moodle_would_refuse_in_its_editor_are_reported(gift, error) -> None:
    result = parse_gift(gift)
    assert result.questions == [] and [str(found) for found in result.errors] == [error]


# Grading equals Moodle's fractions -----------------------------------------------------------

PARTIAL_CREDIT = """\
Tunggal {=a ~%50%b ~%-50%c ~d}

Banyak {~%50%a ~%-100%b ~%50%c ~%-100%d}

Sepertiga {~%33.33333%a ~%33.33333%b ~%33.33333%c ~%-100%d}

Tanpa penalti {~%50%a ~%50%b ~c}

Satu benar dua penalti {~%100%a ~%-50%b ~%-50%c}
"""


def _moodle_fraction(kind: str, fractions: list[float], ticked: tuple[int, ...]) -> float:
    """Moodle's multichoice grading: the ticked answers' sum within 0..1, or the picked answer's fraction.

    Moodle lets a picked answer's negative fraction take a one-answer question below zero; a
    Kelas KIM question never scores below zero, so such a pick counts as zero here.
    """
    return min(1.0, max(0.0, sum(fractions[index] for index in ticked)))


def test_partial_credit_grades_equal_moodles_fractions() -> None:
    moodle = {"Tunggal": [1, 0.5, -0.5, 0], "Banyak": [0.5, -1, 0.5, -1],
              "Sepertiga": [0.3333333, 0.3333333, 0.3333333, -1], "Tanpa penalti": [0.5, 0.5, 0],
              "Satu benar dua penalti": [1, -0.5, -0.5]}
    for spec in parse_gift(PARTIAL_CREDIT).questions:
        fractions = moodle[spec["text"]]
        question = gradable(spec | {"points": 2})
        sizes = (1,) if spec["type"] == "single" else range(0, len(fractions) + 1)
        for ticked in (combo for size in sizes for combo in itertools.combinations(range(len(fractions)), size)):
            expected = _moodle_fraction(spec["type"], fractions, ticked) * 2
            assert grade(question, [str(index) for index in ticked]).score == pytest.approx(expected, abs=1e-5), \
                (spec["text"], ticked)
    # Three thirds make full marks, as Moodle counts them.
    assert grade(gradable(parse_gift(PARTIAL_CREDIT).questions[2]), ["0", "1", "2"]).correct is True


def test_short_answer_grades_the_first_matching_alternative() -> None:
    spec = _one("Hewan? {=Pesut =%50%Kucing#Hampir =%0%*#Salah}")
    question = gradable(spec)
    assert grade(question, ["pesut"]).score == 1
    assert grade(question, ["Kucing."]).score == 0.5
    assert grade(question, ["kuda"]).score == 0 and grade(question, [""]).score == 0
    # A weighted * gives every other answer that part of the points, as Moodle's wildcard does.
    any_other = gradable(_one("Hewan? {=Pesut =%50%*#Setengah}"))
    assert grade(any_other, ["kuda"]).score == 0.5 and grade(any_other, ["Pesut"]).score == 1


# Aiken as Moodle reads it --------------------------------------------------------------------

def test_aiken_is_plain_text_and_letters_need_no_space() -> None:
    result = parse_aiken("""\
Soal yang baik
A. Benar
B. Salah
ANSWER: A

Soal kedua yang baik
A.Salah (tanpa spasi)
B)Benar (tanpa spasi)
ANSWER: B

Soal ketiga dengan karakter HTML seperti > < & dan <b>tebal</b>
A. Benar (< > &)
B. Salah (< > &)
ANSWER: A
""")
    assert result.errors == []
    first, second, third = result.questions
    assert [(choice["text"], choice["correct"]) for choice in second["choices"]] == [
        ("Salah (tanpa spasi)", False), ("Benar (tanpa spasi)", True)]
    assert [choice["correct"] for choice in first["choices"]] == [True, False]
    # Shown literally, never as HTML.
    assert render_inline(third["text"]) == ("Soal ketiga dengan karakter HTML seperti &gt; &lt; &amp; dan "
                                            "&lt;b&gt;tebal&lt;/b&gt;")
    assert render_inline(third["choices"][0]["text"]) == "Benar (&lt; &gt; &amp;)"


def test_aiken_errors_are_reported_by_line_and_the_good_questions_kept() -> None:
    result = parse_aiken("""\
Soal dengan terlalu sedikit pilihan
A) Satu-satunya pilihan
ANSWER: A

A) Pilihan tanpa soal

ANSWER: Jawaban tanpa soal

Soal yang baik
A) Benar
B) Salah
ANSWER: A

Soal yang dimulai tetapi tidak selesai
A) Agak benar
B) Agak salah

Soal kedua yang baik
A)Salah (tanpa spasi)
B)Benar (tanpa spasi)
ANSWER: B
""")
    # Moodle names line 3 (the ANSWER line) for the first error and line 18 (the next question) for
    # the unfinished one; here both point at the question's own first line.
    assert [str(error) for error in result.errors] == [
        "Baris 1: soal minimal punya dua pilihan (A. ..., B. ...)",
        "Baris 5: pilihan jawaban tanpa teks soal",
        "Baris 7: baris ANSWER: tanpa soal",
        "Baris 14: jawaban (ANSWER:) tidak ditemukan",
    ]
    assert [(question["text"], [choice["correct"] for choice in question["choices"]]) for question in result.questions] == [
        ("Soal yang baik", [True, False]), ("Soal kedua yang baik", [False, True])]


def test_plain_text_survives_markdown_exactly() -> None:
    for text in ["1. bukan daftar", "# bukan judul", "- bukan butir", "a_b_c *x* `k` [t](u) \\ | ~~s~~ &amp;",
                 "> bukan kutipan", "baris satu\nbaris dua"]:
        rendered = render_inline(markdown_literal(text))
        assert "<" not in rendered.replace("<br>\n", "")
        assert html.unescape(rendered.replace("<br>\n", "\n")) == text


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-8-sig", "utf-8"])
def test_question_files_in_utf8_or_utf16_with_bom_are_read(encoding) -> None:
    text = "Apa kepanjangan KIM?\nA. Kelompok Informasi Masyarakat\nB. Lainnya\nANSWER: A\n"
    raw = text.encode(encoding)
    if encoding in ("utf-16-le", "utf-16-be"):
        raw = ("\ufeff" + text).encode(encoding)
    assert decode_upload(raw) == text
    with pytest.raises(AuthoringError):
        decode_upload(text.encode("utf-16-le"))  # no BOM: cannot be told from a binary file


# Export and round trip -----------------------------------------------------------------------

def _bank() -> list[FolderQuestion]:
    """Every kind of question Kelas KIM holds, with weights, feedback, tags and GIFT's special characters."""
    choices = lambda *rows: [FolderChoice(key=str(index), text=text, correct=correct, feedback=feedback, weight=weight)  # noqa: E731
                             for index, (text, correct, feedback, weight) in enumerate(rows)]
    return [
        FolderQuestion(key="singkatan-kim", type="single", text="Apa kepanjangan **KIM**? {rasio 1:2} = #1 ~ \\",
                     explanation="KIM dibentuk oleh *masyarakat*.", tags=["pelajaran-1", "tujuan-1-1"],
                     choices=choices(("Kelompok Informasi Masyarakat", True, "Tepat!", None),
                                     ("Komunitas Internet", False, "Bukan.", None), ("Kantor", False, "", None))),
        FolderQuestion(key="ibu-kota", type="single", text="Ibu kota Kaltim?", explanation="",
                     choices=choices(("Samarinda", True, "", 100.0), ("Nusantara", False, "Ibu kota negara.", 50.0),
                                     ("Balikpapan", False, "", 0.0))),
        FolderQuestion(key="peran-kim", type="multiple", text="Mana saja peran KIM?", explanation="Lihat pelajaran 2.",
                     scoring="partial", points=2.0,
                     choices=choices(("Menyebarkan informasi", True, "", None), ("Menyerap aspirasi", True, "Ya.", None),
                                     ("Memungut pajak", False, "Bukan tugas KIM.", None))),
        FolderQuestion(key="sepertiga", type="multiple", text="Tiga dari empat", explanation="",
                     choices=choices(("a", True, "", None), ("b", True, "", None), ("c", True, "", None),
                                     ("d", False, "", None))),
        FolderQuestion(key="berbobot", type="multiple", text="Dengan penalti penuh", explanation="",
                     choices=choices(("a", True, "", 50.0), ("b", False, "", -100.0), ("c", True, "", 50.0),
                                     ("d", False, "", -100.0), ("e", False, "Netral.", 0.0))),
        FolderQuestion(key="kim-mandiri", type="truefalse", text="KIM dibentuk oleh masyarakat.", explanation="Ya.",
                     choices=[FolderChoice(TRUE_KEY, "Benar", True, "Betul."), FolderChoice(FALSE_KEY, "Salah", False, "")]),
        FolderQuestion(key="kim-pemerintah", type="truefalse", text="KIM dibentuk pemerintah pusat.", explanation="",
                     choices=[FolderChoice(TRUE_KEY, "Benar", False, "Keliru."), FolderChoice(FALSE_KEY, "Salah", True, "Tepat.")]),
        FolderQuestion(key="singkatan", type="short", text="Tuliskan singkatan Kelompok Informasi Masyarakat.",
                     explanation="", accepted=["KIM", "K.I.M."]),
        FolderQuestion(key="hewan", type="short", text="Hewan khas Mahakam?", explanation="Pesut Mahakam.",
                     accepted=["Pesut", "Pesut Mahakam", "Lumba-lumba", "*"], accepted_weights=[100, 100, 50, 0],
                     accepted_feedback=["", "Lengkap!", "Hampir: pesut memang sejenis lumba-lumba.", "Bukan."]),
    ]


def _comparable(question) -> tuple:
    """What a trainee and a grader see of a question, whichever class holds it."""
    choices = tuple((choice.text, choice.correct, choice.feedback, choice.weight) for choice in question.choices)
    return (question.key, question.type, question.text, question.explanation, question.scoring if question.type == "multiple"
            else "partial", float(question.points), choices, tuple(question.accepted), tuple(question.accepted_weights),
            tuple(question.accepted_feedback), tuple(question.tags))


def test_gift_export_round_trips_through_the_gift_importer() -> None:
    bank = _bank()
    exported = qexport.gift(bank)
    text = exported.content.decode("utf-8")
    assert "::ibu-kota::[markdown]Ibu kota Kaltim?{\n\t=Samarinda\n\t~%50%Nusantara#Ibu kota negara.\n\t~Balikpapan\n}" in text
    assert "\t~%50%a\n\t~%-100%b\n" in text and "\t=%50%Lumba-lumba#Hampir\\: pesut" in text
    assert "{TRUE##Betul.####Ya.}" in text and "{FALSE#Keliru.#Tepat.}" in text
    assert "// [id:singkatan-kim] [tag:pelajaran-1] [tag:tujuan-1-1]\n::singkatan-kim::" in text
    result = parse_gift(text)
    assert result.errors == []
    back = [imported_question(spec) for spec in result.questions]  # ids come from the [id:...] comments, the keys
    # GIFT has no question points: the one question worth 2 comes back worth 1, and the export says so.
    assert exported.notes == ["soal 'peran-kim': GIFT tidak menyimpan bobot soal (2); Moodle memberinya bobot 1"]
    bank[2].points = 1.0
    assert [_comparable(question) for question in back] == [_comparable(question) for question in bank]


def _read_moodle_xml(content: bytes) -> list[dict]:
    """A Moodle XML importer of this test's own: each <question> as Moodle holds it, then as a quiz.yaml dict."""
    specs = []
    for element in ET.fromstring(content).iter("question"):
        qtype = element.get("type")
        answers = [(answer.findtext("text"), float(answer.get("fraction")) , answer.findtext("feedback/text") or "")
                   for answer in element.findall("answer")]
        spec = {"id": element.findtext("idnumber") or element.findtext("name/text"),
                "text": element.findtext("questiontext/text"),
                "explanation": element.findtext("generalfeedback/text") or "",
                "points": float(element.findtext("defaultgrade")),
                "tags": [tag.findtext("text") for tag in element.findall("tags/tag")]}
        if qtype == "truefalse":
            by_word = {text: (fraction, feedback) for text, fraction, feedback in answers}
            spec |= {"type": "truefalse", "answer": by_word["true"][0] == 100,
                     "feedback_true": by_word["true"][1], "feedback_false": by_word["false"][1]}
        elif qtype == "shortanswer":
            spec |= {"type": "short", "accepted": [{"text": text, "weight": fraction, "feedback": feedback}
                                                   for text, fraction, feedback in answers]}
        else:
            kind = "single" if element.findtext("single") == "true" else "multiple"
            weights = [fraction for _text, fraction, _feedback in answers]
            kept = choice_weights(kind, weights)
            spec |= {"type": kind, "choices": [
                {"text": text, "correct": is_correct_weight(kind, fraction), "feedback": feedback}
                | ({} if kept is None else {"weight": fraction}) for text, fraction, feedback in answers]}
        specs.append(spec)
    return specs


def test_moodle_xml_export_round_trips() -> None:
    bank = _bank()
    exported = qexport.moodle_xml(bank)
    assert exported.notes == []
    root = ET.fromstring(exported.content)
    assert [question.get("type") for question in root] == ["multichoice"] * 5 + ["truefalse"] * 2 + ["shortanswer"] * 2
    assert [answer.get("fraction") for answer in root[3].findall("answer")] == ["33.33333"] * 3 + ["-100"]
    assert root[2].findtext("defaultgrade") == "2"
    back = [imported_question(spec) for spec in _read_moodle_xml(exported.content)]
    assert [_comparable(question) for question in back] == [_comparable(question) for question in bank]


def test_all_or_nothing_scoring_is_noted_because_moodle_has_no_such_multichoice() -> None:
    question = _bank()[2]
    question.scoring = "all_or_nothing"
    assert qexport.moodle_xml([question]).notes == [
        "soal 'peran-kim': penilaian semua-atau-tidak-sama-sekali tidak ada di Moodle; "
        "ditulis sebagai nilai sebagian per jawaban"]
