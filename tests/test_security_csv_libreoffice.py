"""The roster CSV opened by a real spreadsheet (LibreOffice Calc, headless): no cell ever holds a formula."""
from __future__ import annotations

import html
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from app.accounts.models import Role
from app.extensions import db
from app.progress.models import Enrollment
from tests.factories import make_course

SOFFICE = shutil.which("soffice")
# Names and units as a hostile trainee or a careless import could store them.
HOSTILE = ["=1+1", "+62 811 5555", "-2+3", "@SUM(1;2)", "Siti;=40+2", "Rahmat,=41+1", "Ani\n=42+0",
           "Budi\t=43+0", "x;\"=44+0", "=HYPERLINK(\"http://jahat.example\";\"klik\")", "Yusuf; =45+0"]
# How LibreOffice is told to open a CSV: the separator (ASCII code), '"' as the quote character,
# UTF-8, from line 1, and "evaluate formulas" on (the 13th option). Splitting with quotes ignored is
# checked for every separator at once in tests/test_reports_spreadsheets.py (a second spreadsheet
# start here would cost the suite seconds without telling more).
READINGS = {"koma": "44", "titik-koma": "59"}
FILTER_TAIL = ",34,76,1,,0,false,false,false,false,false,-1,true"
TIMEOUT = 180


def libreoffice_command(csv_files: list[Path], options: str, work: Path) -> tuple[list[str], Path]:
    """The command converting CSV files to .xlsx as LibreOffice opens them, and the folder it writes to."""
    out = work / "out"
    command = [SOFFICE, f"-env:UserInstallation=file://{work / 'profile'}", "--headless",
               f"--infilter=CSV:{options}{FILTER_TAIL}", "--convert-to", "xlsx", "--outdir", str(out),
               *map(str, csv_files)]
    return command, out


def sheet_xml(path: Path) -> str:
    """The first sheet of an .xlsx, as XML text."""
    with zipfile.ZipFile(path) as archive:
        return archive.read("xl/worksheets/sheet1.xml").decode()


def shared_strings(path: Path) -> list[str]:
    """The shared strings of an .xlsx, in order (cells refer to them by index)."""
    with zipfile.ZipFile(path) as archive:
        xml = archive.read("xl/sharedStrings.xml").decode()
    return [html.unescape(re.sub(r"<[^>]+>", "", si)) for si in re.findall(r"<si>(.*?)</si>", xml, re.DOTALL)]


@pytest.fixture
def exports(client, make_user, login_as, tmp_path) -> dict[str, Path]:
    """Both CSV forms of a roster of hostile names, and a control file written without any protection."""
    if SOFFICE is None:
        pytest.skip("LibreOffice tidak terpasang: jalankan 'apt-get install -y libreoffice-calc-nogui' "
                    "untuk uji CSV di spreadsheet sungguhan.")
    course = make_course("kursus-csv", modules=1, lessons=1)
    for n, text in enumerate(HOSTILE):
        user = make_user(Role.TRAINEE, "64.72", full_name=text, unit=text, email=f"csv{n}@kelaskim.example")
        db.session.add(Enrollment(user_id=user.id, course_id=course.id, best_score_percent=87.5))
    db.session.commit()
    login_as(make_user(Role.ADMIN, "64"))
    files = {}
    for name, query in (("koma", ""), ("titik-koma", "?pemisah=titik-koma")):
        files[name] = tmp_path / f"peserta-{name}.csv"
        files[name].write_bytes(client.get("/laporan/peserta.csv" + query).data)
    files["kontrol"] = tmp_path / "kontrol.csv"  # proves LibreOffice does run formulas under these options
    files["kontrol"].write_text("a,b\r\n=1+1,x;=2+2\r\n", encoding="utf-8")
    return files


def test_no_cell_of_either_csv_form_is_a_formula_in_libreoffice(exports, tmp_path):
    runs = {}
    for reading, options in READINGS.items():  # in parallel, each with its own profile
        command, out = libreoffice_command(list(exports.values()), options, tmp_path / reading)
        runs[reading] = (subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT), out)
    for reading, (process, out) in runs.items():
        output = process.communicate(timeout=TIMEOUT)[0].decode(errors="replace")
        for name in exports:
            assert (out / f"{exports[name].stem}.xlsx").exists(), f"{reading}: {output}"
        assert "<f" in sheet_xml(out / "kontrol.xlsx"), f"{reading}: the control file should hold a formula"
        for name in ("koma", "titik-koma"):
            formulas = re.findall(r"<f[^>]*>(.*?)</f>", sheet_xml(out / f"peserta-{name}.xlsx"))
            assert not formulas, f"CSV {name} dibuka dengan pemisah {reading}: {formulas}"
    # Opened as intended, the data stays readable: each name in its own cell, a visible apostrophe at most.
    koma = shared_strings(runs["koma"][1] / "peserta-koma.xlsx")
    titik_koma = shared_strings(runs["titik-koma"][1] / "peserta-titik-koma.xlsx")
    for strings in (koma, titik_koma):
        assert {"'=1+1", "'+62 811 5555", "Siti;'=40+2", "Rahmat,'=41+1", "Ani\n'=42+0", "Yusuf; =45+0",
                "'=HYPERLINK(\"http://jahat.example\";\"klik\")"} <= set(strings)
