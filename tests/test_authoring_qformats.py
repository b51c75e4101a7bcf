"""Tests for the GIFT and Aiken question importers in app.authoring.qformats."""
from __future__ import annotations

import pytest

from app.authoring.qformats import LineError, ParseResult, parse_aiken, parse_gift, slugify
from app.quizzes.grading import grade, question_from_spec

MOODLE_STYLE_GIFT = """\
// Bank soal Modul 1, diekspor dari Moodle
// question: 0  name: Switch category
$CATEGORY: $course$/top/Modul 1

// question: 101  name: Singkatan KIM
::Singkatan KIM::[markdown]Apa kepanjangan **KIM**? {
    =Kelompok Informasi Masyarakat#Tepat!
    ~Komunitas Internet Masyarakat#Bukan, coba lagi.
    ~Kantor Informasi Mandiri
    ####KIM dibentuk oleh dan untuk masyarakat.
}

// question: 102  name: Peran KIM
::Peran KIM::Mana saja peran KIM? {
    ~%50%Menyebarkan informasi
    ~%50%Menyerap aspirasi#Ya, KIM juga mendengar.
    ~%-100%Memungut pajak#Bukan tugas KIM.
}

KIM harus didirikan oleh pemerintah.{FALSE#Keliru, KIM tumbuh dari masyarakat.#Benar sekali.}

::Kepanjangan::Tuliskan kepanjangan KIM. {=Kelompok Informasi Masyarakat =Kelompok Informasi Warga}
"""


def test_moodle_style_file_parses_all_question_types() -> None:
    result = parse_gift(MOODLE_STYLE_GIFT)
    assert result.errors == []
    assert result.ok is True
    assert result.questions == [
        {
            "id": "singkatan-kim",
            "type": "single",
            "text": "Apa kepanjangan **KIM**?",
            "explanation": "KIM dibentuk oleh dan untuk masyarakat.",
            "choices": [
                {"text": "Kelompok Informasi Masyarakat", "correct": True, "feedback": "Tepat!"},
                {"text": "Komunitas Internet Masyarakat", "correct": False, "feedback": "Bukan, coba lagi."},
                {"text": "Kantor Informasi Mandiri", "correct": False},
            ],
            "tags": ["modul-1"],  # the $CATEGORY's last level
        },
        {
            "id": "peran-kim",
            "type": "multiple",
            "text": "Mana saja peran KIM?",
            "explanation": "",
            "scoring": "partial",
            "choices": [
                {"text": "Menyebarkan informasi", "correct": True},
                {"text": "Menyerap aspirasi", "correct": True, "feedback": "Ya, KIM juga mendengar."},
                {"text": "Memungut pajak", "correct": False, "feedback": "Bukan tugas KIM."},
            ],
            "tags": ["modul-1"],
        },
        {
            "id": "kim-harus-didirikan-oleh-pemerintah",
            "type": "truefalse",
            "text": "KIM harus didirikan oleh pemerintah.",
            "explanation": "",
            "answer": False,
            # Moodle order: first # is shown for the wrong answer, second for the right one.
            "feedback_true": "Keliru, KIM tumbuh dari masyarakat.",
            "feedback_false": "Benar sekali.",
            "tags": ["modul-1"],
        },
        {
            "id": "kepanjangan",
            "type": "short",
            "text": "Tuliskan kepanjangan KIM.",
            "explanation": "",
            "accepted": ["Kelompok Informasi Masyarakat", "Kelompok Informasi Warga"],
            "tags": ["modul-1"],
        },
    ]


def test_imported_questions_grade_with_the_registry() -> None:
    single, multiple, truefalse, short = parse_gift(MOODLE_STYLE_GIFT).questions
    assert grade(question_from_spec(single), ["0"]).correct is True
    assert grade(question_from_spec(multiple), ["0", "1"]).correct is True
    assert grade(question_from_spec(truefalse), ["false"]).correct is True
    assert grade(question_from_spec(short), ["kelompok informasi warga."]).correct is True


def test_truefalse_spellings_and_feedback_for_true_answer() -> None:
    result = parse_gift("Satu {T}\n\nDua {TRUE}\n\nTiga {F}\n\nEmpat {TRUE#Salah.#Betul.}")
    assert [question["answer"] for question in result.questions] == [True, True, False, True]
    assert "feedback_true" not in result.questions[0]
    assert result.questions[3]["feedback_true"] == "Betul."
    assert result.questions[3]["feedback_false"] == "Salah."


def test_escaped_special_characters() -> None:
    gift = (
        "::Rasio 1\\:2::Tagar \\#KIM memakai kurung \\{ dan \\} serta 1\\=1? {\n"
        "=Ya \\~ tentu#Skor \\#1\n"
        "~Tidak \\= salah\n"
        "}"
    )
    result = parse_gift(gift)
    assert result.errors == []
    question = result.questions[0]
    assert question["id"] == "rasio-1-2"
    assert question["text"] == "Tagar #KIM memakai kurung { dan } serta 1=1?"
    assert question["choices"] == [
        {"text": "Ya ~ tentu", "correct": True, "feedback": "Skor #1"},
        {"text": "Tidak = salah", "correct": False},
    ]


def test_backslash_n_is_a_newline_and_double_backslash_a_backslash() -> None:
    result = parse_gift("Baris satu\\nbaris dua C:\\\\data {T}")
    assert result.questions[0]["text"] == "Baris satu\nbaris dua C:\\data"


def test_multi_line_question_with_blocks_on_their_own_lines() -> None:
    gift = (
        "::Multi::\n"
        "[html]Paragraf pertama soal.\n"
        "Paragraf kedua soal.\n"
        "// komentar di tengah soal diabaikan\n"
        "{\n"
        "  =Ya\n"
        "  ~Tidak\n"
        "}\n"
    )
    result = parse_gift(gift)
    assert result.errors == []
    assert result.questions[0]["text"] == "Paragraf pertama soal.\nParagraf kedua soal."
    assert [choice["text"] for choice in result.questions[0]["choices"]] == ["Ya", "Tidak"]


def test_missing_word_format_marks_the_gap() -> None:
    result = parse_gift("Diskominfo Kukar mengadakan {~seminar =workshop ~lomba} KIM pada 2023.")
    question = result.questions[0]
    assert question["text"] == "Diskominfo Kukar mengadakan _____ KIM pada 2023."
    assert question["type"] == "single"


def test_an_equals_answer_with_weighted_others_is_single_with_partial_credit() -> None:
    # Moodle: an = answer makes a one-pick question; the ~%n% answers give part of the points.
    question = parse_gift("Pilih {=A ~%33.3%B ~%0%C ~%-50%D}").questions[0]
    assert question["type"] == "single"
    assert [(choice["correct"], choice["weight"]) for choice in question["choices"]] == [
        (True, 100), (False, 33.3), (False, 0), (False, -50)]


def test_ids_are_slugs_made_unique_and_avoid_taken_ids() -> None:
    gift = "::Peran KIM::Satu {T}\n\n::Peran KIM::Dua {T}\n\nÍnformasi publik — apa itu? {F}"
    result = parse_gift(gift, taken_ids=["peran-kim"])
    assert [question["id"] for question in result.questions] == [
        "peran-kim-2",
        "peran-kim-3",
        "informasi-publik-apa-itu",
    ]


def test_slugify() -> None:
    assert slugify("Apa itu *agenda setting*?") == "apa-itu-agenda-setting"
    assert slugify("???") == ""
    long = slugify("kata " * 30)
    assert len(long) <= 50 and not long.endswith("-") and long.startswith("kata-kata")


def test_question_without_text_gets_fallback_id_source() -> None:
    result = parse_gift("::!!!::Soal tanpa judul berarti {T}\n\n::...::??? {T}")
    assert [question["id"] for question in result.questions] == ["soal-tanpa-judul-berarti", "soal"]


UNSUPPORTED = """\
// satu soal bagus, lalu tiga tipe yang tidak didukung
::Bagus::KIM ada di desa. {T}

::Jodohkan::Pasangkan. {
    =kucing -> makanan kucing
    =anjing -> makanan anjing
}

// numerik
::Angka::Berapa 2 + 2? {#4}

::Esai::Ceritakan pengalaman KIM Anda.
{}

::Setelah::Soal ini tetap terbaca. {=ya ~tidak}
"""


def test_unsupported_types_are_errors_with_line_numbers_not_crashes() -> None:
    result = parse_gift(UNSUPPORTED)
    assert [question["id"] for question in result.questions] == ["bagus", "setelah"]
    assert result.errors == [
        LineError(4, "soal menjodohkan (->) tidak didukung"),
        LineError(10, "soal numerik ({#...}) tidak didukung"),
        LineError(13, "soal esai ({}) tidak didukung"),
    ]


MALFORMED = """\
::Tanpa benar::Pilih satu. {~a ~b}

::Dua benar::Pilih satu. {=a =b ~c}

::Terbuka::Kurung tidak ditutup {
=a
~b

Deskripsi tanpa blok jawaban.

::Satu pilihan::Hanya satu? {~%100%a}

::Kosong::Ada jawaban kosong {
  =benar
  ~
}

::Tanpa tanda::Siapa? {Grant ~Lincoln}

::Sebagian::Ejaan? {=%90%Nazareth =%50%Nazaret}

{=a ~b}

::Judul tak ditutup Soal {T}

Dua blok {T} dan {F}

Penutup liar } di sini {T}
"""


def test_malformed_questions_report_exact_lines() -> None:
    result = parse_gift(MALFORMED)
    assert result.questions == []
    assert [str(error) for error in result.errors] == [
        "Baris 1: jawaban benar tidak ditemukan",
        "Baris 3: soal pilihan tunggal hanya boleh punya satu jawaban benar (=); "
        "untuk soal banyak jawaban beri bobot, misalnya ~%50%",
        "Baris 5: kurung kurawal { tidak ditutup dengan }",
        "Baris 9: blok jawaban { } tidak ditemukan (soal deskripsi tidak didukung)",
        "Baris 11: soal pilihan minimal punya dua pilihan",
        "Baris 15: teks jawaban kosong",
        "Baris 18: setiap jawaban harus diawali = (benar) atau ~ (salah)",
        "Baris 20: minimal satu jawaban yang diterima harus bernilai 100%",
        "Baris 22: teks soal kosong",
        "Baris 24: judul soal ::judul:: tidak ditutup",
        "Baris 26: satu soal hanya boleh punya satu blok jawaban { }",
        "Baris 28: kurung kurawal } tanpa pembuka {",
    ]


@pytest.mark.parametrize("gift, error", [
    ("Bobot besar? {~%150%a ~%-50%b}", "Baris 1: bobot jawaban harus antara -100% dan 100%"),
    ("Bobot kecil? {~%50%a ~%-101%b}", "Baris 1: bobot jawaban harus antara -100% dan 100%"),
    ("Benar negatif? {=%-50%a ~b}", "Baris 1: jawaban benar (=) tidak boleh berbobot negatif; tulis ~%-50% untuk jawaban salah"),
    ("Singkat? {=%200%Nazaret}", "Baris 1: bobot jawaban harus antara -100% dan 100%"),
])
def test_weights_that_mean_nothing_are_refused(gift, error) -> None:
    result = parse_gift(gift)
    assert result.questions == [] and [str(e) for e in result.errors] == [error]


def test_error_in_one_question_keeps_the_others() -> None:
    gift = "Baik satu {T}\n\nRusak {~a ~b}\n\nBaik dua {F}\n"
    result = parse_gift(gift)
    assert [question["text"] for question in result.questions] == ["Baik satu", "Baik dua"]
    assert result.errors == [LineError(3, "jawaban benar tidak ditemukan")]
    assert result.ok is False


def test_crlf_bom_and_empty_input() -> None:
    result = parse_gift("\ufeff// komentar\r\nSoal {T}\r\n\r\n")
    assert [question["text"] for question in result.questions] == ["Soal"]
    assert parse_gift("") == ParseResult([], [])
    assert parse_gift("// hanya komentar\n\n   \n") == ParseResult([], [])


# Aiken ---------------------------------------------------------------------------------------

AIKEN = """\
Apa kepanjangan KIM?
A. Kelompok Informasi Masyarakat
B. Komunitas Internet Mandiri
C) Kantor Informasi Masyarakat
ANSWER: A

Siapa yang membentuk KIM
di tingkat desa?
A) Pemerintah pusat
B) Masyarakat setempat
ANSWER: B
Apa kepanjangan KIM?
A. Kelompok Informasi Masyarakat
B. Lainnya
answer: b
"""


def test_aiken_samples() -> None:
    result = parse_aiken(AIKEN)
    assert result.errors == []
    assert result.questions == [
        {
            "id": "apa-kepanjangan-kim",
            "type": "single",
            "text": "Apa kepanjangan KIM?",
            "explanation": "",
            "choices": [
                {"text": "Kelompok Informasi Masyarakat", "correct": True},
                {"text": "Komunitas Internet Mandiri", "correct": False},
                {"text": "Kantor Informasi Masyarakat", "correct": False},
            ],
        },
        {
            "id": "siapa-yang-membentuk-kim-di-tingkat-desa",
            "type": "single",
            "text": "Siapa yang membentuk KIM\\\ndi tingkat desa?",  # a hard line break
            "explanation": "",
            "choices": [
                {"text": "Pemerintah pusat", "correct": False},
                {"text": "Masyarakat setempat", "correct": True},
            ],
        },
        {
            "id": "apa-kepanjangan-kim-2",
            "type": "single",
            "text": "Apa kepanjangan KIM?",
            "explanation": "",
            "choices": [
                {"text": "Kelompok Informasi Masyarakat", "correct": False},
                {"text": "Lainnya", "correct": True},
            ],
        },
    ]


MALFORMED_AIKEN = """\
Soal tanpa jawaban
A. satu
B. dua
Soal berikutnya punya huruf salah
A. satu
B. dua
ANSWER: D

Soal satu pilihan
A. satu
ANSWER: A
ANSWER: B
B. yatim
Huruf ganda
A. satu
A. dua
B.
ANSWER: A
Soal terakhir tanpa ANSWER
A. x
"""


def test_aiken_malformed_reports_exact_lines() -> None:
    result = parse_aiken(MALFORMED_AIKEN)
    assert result.questions == []
    assert [str(error) for error in result.errors] == [
        "Baris 1: jawaban (ANSWER:) tidak ditemukan",
        "Baris 7: huruf jawaban D tidak ada di antara pilihan",
        "Baris 9: soal minimal punya dua pilihan (A. ..., B. ...)",
        "Baris 12: baris ANSWER: tanpa soal",
        "Baris 13: pilihan jawaban tanpa teks soal",
        "Baris 16: huruf pilihan A dipakai dua kali",
        "Baris 17: teks pilihan B kosong",
        "Baris 19: jawaban (ANSWER:) tidak ditemukan",
    ]


def test_aiken_empty_answer_letter_and_taken_ids() -> None:
    result = parse_aiken("KIM?\nA. ya\nB. tidak\nANSWER:\n\nKIM?\nA. ya\nB. tidak\nANSWER: A", taken_ids={"kim"})
    assert result.errors == [LineError(4, "huruf jawaban benar setelah ANSWER: kosong")]
    assert [question["id"] for question in result.questions] == ["kim-2"]
