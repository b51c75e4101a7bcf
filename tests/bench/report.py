"""The bench report: machine details, every measurement, and each target met or not, as Markdown."""
from __future__ import annotations

import os
import platform
import sqlite3
import subprocess
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

from app.config import ROOT
from app.dates import to_wita
from tests.bench import pageweight, wrk
from tests.bench.datagen import Dataset
from tests.bench.pages import ACCOUNT_LABELS, P99_TARGET_MS
from tests.bench.results import NOT_BUILT, OK, SKIPPED, Export, Flow, Throughput, Weight

MET, NOT_MET = "tercapai", "**tidak tercapai**"
DOC_PATH = ROOT / "docs" / "benchmarks.md"
NOTES_PATH = ROOT / "docs" / "benchmarks-notes.md"
EXPORT_TARGET_ROWS = 100_000
DASHBOARD_TARGET_TRAINEES = 10_000
CSV_MAX_RATIO, XLSX_MAX_RATIO, FIRST_BYTE_MAX_S, GROWTH_MAX_MB = 3.0, 8.0, 0.5, 100.0
GUNICORN_DEFAULT_TIMEOUT_S = 30
# Quiz day: a workshop room's worth of trainees times a province, each already signed in, start one quiz.
BURST_TARGET_TRAINEES, BURST_TARGET_WINDOW_S, BURST_P99_MAX_MS = 3000, 60.0, 1000.0
CPU_MAX_FLOOR_RATIO = 2.0  # every page at most twice the logged-in floor (a route rendering the base layout)
PG_MIN_SQLITE_SHARE = 0.80  # PostgreSQL at least this share of SQLite's requests/s, same data, layout and load
FLOOR_LABEL = "lantai: masuk, tata letak dasar"


def layout_label(instances: int, workers: int) -> str:
    """The server layout measured, in words."""
    if instances <= 1:
        return f"1 instans, {workers} worker sync"
    return f"{instances} instans × {workers} worker sync di belakang nginx, Redis bersama"


@dataclass
class Run:
    """Everything one bench run measured, and the conditions it ran under."""

    dataset: Dataset
    load: wrk.Load
    quick: bool
    workers: int = 2
    instances: int = 1
    started: datetime = field(default_factory=lambda: datetime.now(UTC))
    seconds: float = 0.0
    load_average: list[tuple[float, float, float]] = field(default_factory=list)
    database_version: str = ""
    hello: list[Throughput] = field(default_factory=list)
    pages: list[Throughput] = field(default_factory=list)
    grading: Flow | None = None
    burst: Flow | None = None
    exports: list[Export] = field(default_factory=list)
    weights: list[Weight] = field(default_factory=list)
    cpu: list[tuple[str, float, int]] = field(default_factory=list)  # (page, CPU ms per request, statements)
    # The same data on SQLite, on a PostgreSQL run: every page, real grading, CPU per request.
    sqlite_pages: list[Throughput] = field(default_factory=list)
    sqlite_grading: Flow | None = None
    sqlite_cpu: list[tuple[str, float, int]] = field(default_factory=list)
    routes: dict[str, list[str]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    grown_from: int | None = None  # trainees before the database grew for the large exports
    grown_seconds: float | None = None
    base_counts: dict[str, int] = field(default_factory=dict)  # the rows the pages were measured on

    @property
    def sqlite_lesson(self) -> Throughput | None:
        """The lesson page measured on the SQLite reference, if any."""
        return next((row for row in self.sqlite_pages if row.key == "lesson"), None)

    @property
    def page_trainees(self) -> int:
        """Trainees in the database while the pages and the quiz were measured."""
        return self.grown_from if self.grown_from is not None else self.dataset.trainees

    @property
    def hello_rps(self) -> float | None:
        """The hello-world rate the pages are compared with: the mean of the runs before and after."""
        rates = [h.rps for h in self.hello if h.rps]
        return sum(rates) / len(rates) if rates else None

    def ratio(self, rps: float | None) -> float | None:
        """A rate as a share of hello-world's."""
        return rps / self.hello_rps if rps and self.hello_rps else None


# --- Machine --------------------------------------------------------------------------------

def machine() -> list[tuple[str, str]]:
    """CPU, cores, memory, Python and SQLite versions of this machine."""
    cpu = next((line.split(":", 1)[1].strip() for line in _lines("/proc/cpuinfo") if line.startswith("model name")),
               platform.processor() or "?")
    mem_kb = next((int(line.split()[1]) for line in _lines("/proc/meminfo") if line.startswith("MemTotal")), 0)
    return [("CPU", cpu), ("Inti CPU", str(os.cpu_count())), ("RAM", f"{mem_kb / 1024 / 1024:.1f} GiB"),
            ("Sistem", f"{platform.system()} {platform.release()}"), ("Python", platform.python_version()),
            ("SQLite", sqlite3.sqlite_version)]


def _lines(path: str) -> list[str]:
    try:
        return Path(path).read_text().splitlines()
    except OSError:
        return []


def git_commit() -> str:
    """The commit measured, flagged when the working tree differs from it."""
    def git(*args: str) -> str:
        reply = subprocess.run(["git", "-C", str(ROOT), *args], capture_output=True, text=True, timeout=30)
        return reply.stdout.strip() if reply.returncode == 0 else ""

    commit = git("log", "-1", "--format=%h %s")
    if not commit:
        return "tidak diketahui (bukan repositori git)"
    changed = [line for line in git("status", "--porcelain").splitlines() if not line[3:].startswith("docs/benchmarks")]
    return f"`{commit}`" + (f" + {len(changed)} berkas belum di-commit" if changed else "")


# --- Formatting -----------------------------------------------------------------------------

def _n(value: float | None, digits: int = 0, suffix: str = "") -> str:
    if value is None:
        return "–"
    return f"{value:,.{digits}f}".replace(",", "\u202f") + suffix


def _pct(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value * 100:.1f} %" if value < 0.1 else f"{value * 100:.0f} %"


def _kb(size: int) -> str:
    return f"{size / 1024:.1f} KB"


def _verdict(ok: bool | None, status: str = OK) -> str:
    if status != OK:
        return status
    return "–" if ok is None else MET if ok else NOT_MET


def _table(headers: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in rows]
    return lines + [""]


# --- Targets --------------------------------------------------------------------------------

def targets(run: Run) -> list[list[str]]:
    """Each target with the measured value and met / not met."""
    rows = _cpu_targets(run) + _sqlite_share_targets(run)
    rows.append(_p99_target(run))
    rows.append(_burst_target(run))
    rows += _export_targets(run)
    rows += _weight_targets(run)
    return rows


def cpu_floor(cpu: list[tuple[str, float, int]]) -> float | None:
    """CPU ms per request of the logged-in floor: a route rendering the bare base layout."""
    return next((ms for label, ms, _n in cpu if label == FLOOR_LABEL), None)


def _cpu_targets(run: Run) -> list[list[str]]:
    rows = []
    for database, cpu in (("", run.cpu), ("SQLite: ", run.sqlite_cpu)):
        floor = cpu_floor(cpu)
        if floor is None:
            if not database:
                rows.append([f"Setiap halaman: CPU per permintaan ≤ {CPU_MAX_FLOOR_RATIO:.0f}× lantai masuk", "–",
                             _verdict(None, SKIPPED)])
            continue
        for label, ms, statements in cpu:
            if label.startswith("lantai"):
                continue
            ratio = ms / floor if floor else None
            rows.append([f"{database}{label}: CPU per permintaan ≤ {CPU_MAX_FLOOR_RATIO:.0f}× lantai masuk ({floor:.2f} ms)",
                         f"{ms:.2f} ms = {_n(ratio, 2)}×, {statements} kueri",
                         _verdict(ratio <= CPU_MAX_FLOOR_RATIO if ratio else None)])
    return rows


def _sqlite_share_targets(run: Run) -> list[list[str]]:
    """PostgreSQL's requests/s as a share of SQLite's, lesson page and real grading, where both were measured."""
    title = f"PostgreSQL ≥ {PG_MIN_SQLITE_SHARE:.0%} req/s SQLite"
    if run.dataset.backend != "postgresql":
        return [[f"{title} (pelajaran, penilaian)", "run ini di SQLite: jalankan dengan DATABASE_URL PostgreSQL",
                 _verdict(None, SKIPPED)]]
    lesson = next((row for row in run.pages if row.key == "lesson"), None)
    pairs = [("pelajaran", lesson, run.sqlite_lesson), ("penilaian sungguhan", run.grading, run.sqlite_grading)]
    rows = []
    for name, pg, lite in pairs:
        share = pg.rps / lite.rps if pg and lite and pg.rps and lite.rps else None
        status = next((r.status for r in (pg, lite) if r is not None and r.status != OK), OK if pg and lite else SKIPPED)
        value = f"{_pct(share)} ({_n(pg.rps)} vs {_n(lite.rps)} req/s)" if share else "–"
        rows.append([f"{title}: {name}", value, _verdict(share >= PG_MIN_SQLITE_SHARE if share else None, status)])
    return rows


def _burst_target(run: Run) -> list[str]:
    burst = run.burst
    title = (f"Lonjakan: {_n(BURST_TARGET_TRAINEES)} peserta yang sudah masuk memulai satu kuis dalam "
             f"{BURST_TARGET_WINDOW_S:.0f} s, membuka dan mengirim: 0 galat, p99 alur < {BURST_P99_MAX_MS / 1000:.0f} s")
    if burst is None or burst.status != OK:
        return [title, "–", _verdict(None, burst.status if burst else SKIPPED)]
    scale = "" if burst.attempts >= BURST_TARGET_TRAINEES else f" (diukur dengan {_n(burst.attempts)} peserta: indikatif)"
    if run.dataset.backend != "postgresql" or run.instances < 2:
        scale += " (target ini untuk PostgreSQL dengan dua instans di belakang nginx; run ini: indikatif)"
    met = burst.errors == 0 and burst.p99_ms is not None and burst.p99_ms < BURST_P99_MAX_MS
    return [title + scale, f"{burst.errors} galat, p99 {_n(burst.p99_ms)} ms", _verdict(met)]


def _p99_target(run: Run) -> list[str]:
    measured = [row for row in run.pages if row.status == OK and row.p99_ms is not None]
    for flow, label in ((run.grading, "Kirim kuis (penilaian)"), (run.sqlite_grading, "SQLite: kirim kuis (penilaian)")):
        if flow and flow.status == OK and flow.p99_ms is not None:
            measured.append(Throughput("grading", label, "trainee", status=OK, p99_ms=flow.p99_ms))
    measured += [Throughput(row.key, "SQLite: " + row.label, row.account, status=OK, p99_ms=row.p99_ms)
                 for row in run.sqlite_pages if row.status == OK and row.p99_ms is not None]
    missing = [row.label for row in run.pages if row.status == NOT_BUILT]
    slow = [f"{row.label} {row.p99_ms:.0f} ms" for row in measured if row.p99_ms >= P99_TARGET_MS]
    value = "; ".join(slow) if slow else (f"maks. {max(r.p99_ms for r in measured):.0f} ms" if measured else "–")
    if missing:
        value += f" ({len(missing)} halaman belum dibangun)"
    return [f"p99 < {P99_TARGET_MS:.0f} ms pada {run.load.connections} koneksi, setiap halaman", value,
            _verdict(not slow if measured else None, OK if measured else SKIPPED)]


def export_checks(row: Export) -> tuple[bool | None, bool | None, bool | None]:
    """(within the ratio to the bare query, first byte in time, memory growth small enough)."""
    if row.status != OK or not row.total_s or not row.floor_s:
        return None, None, None
    limit = CSV_MAX_RATIO if row.fmt == "CSV" else XLSX_MAX_RATIO
    first = row.first_byte_s < FIRST_BYTE_MAX_S if row.fmt == "CSV" else None
    growth = row.growth_mb < GROWTH_MAX_MB if row.fmt == "CSV" else None
    return row.total_s / row.floor_s <= limit, first, growth


def target_exports(run: Run) -> list[Export]:
    """The export rows the targets are judged on: each format at the largest size measured."""
    largest = max((row.trainees for row in run.exports), default=0)
    return [row for row in run.exports if row.trainees == largest]


def _export_targets(run: Run) -> list[list[str]]:
    judged = target_exports(run)
    trainees = judged[0].trainees if judged else run.dataset.trainees
    scale = f" ({_n(trainees)} peserta)" if trainees >= EXPORT_TARGET_ROWS else \
        f" (diukur pada {_n(trainees)} peserta; target untuk 100.000: indikatif)"
    rows = []
    for row in judged:
        ratio_ok, first_ok, growth_ok = export_checks(row)
        limit = CSV_MAX_RATIO if row.fmt == "CSV" else XLSX_MAX_RATIO
        ratio = row.total_s / row.floor_s if row.total_s and row.floor_s else None
        rows.append([f"Ekspor {row.fmt} ≤ {limit:.0f}× kueri polos{scale}",
                     f"{_n(ratio, 1)}× ({_n(row.total_s, 2)} s vs {_n(row.floor_s, 2)} s)" if ratio else "–",
                     _verdict(ratio_ok, row.status)])
        if row.fmt == "CSV":
            rows.append([f"Ekspor CSV: byte pertama < {FIRST_BYTE_MAX_S} s{scale}", f"{_n(row.first_byte_s, 3)} s",
                         _verdict(first_ok, row.status)])
            rows.append([f"Ekspor CSV: memori worker naik < {GROWTH_MAX_MB:.0f} MB{scale}", f"{_n(row.growth_mb, 1)} MB",
                         _verdict(growth_ok, row.status)])
    return rows


def _weight_targets(run: Run) -> list[list[str]]:
    rows = []
    for row in run.weights:
        value = f"{_kb(row.wire_bytes)}, {row.requests} permintaan" if row.status == OK else "–"
        if row.third_party:
            value += f", host lain: {', '.join(sorted(set(row.third_party)))}"
        rows.append([f"{row.label}: ≤ 30 KB dengan CSS, ≤ 4 permintaan, tanpa host lain, tanpa JavaScript", value,
                     _verdict(pageweight.meets(row), row.status)])
    return rows


# --- Sections -------------------------------------------------------------------------------

def render(run: Run) -> str:
    """The whole report as Markdown."""
    lines = [
        "# Benchmark Kelas KIM", "",
        "Berkas ini ditulis oleh `make bench` (`python -m tests.bench`, kode di `tests/bench/`). Jangan disunting",
        "dengan tangan: jalankan ulang. Catatan tulisan tangan di akhir berkas disalin dari",
        "`docs/benchmarks-notes.md` pada setiap run: sunting di sana. *Written by `make bench`; the hand-written",
        "notes at the end come from docs/benchmarks-notes.md. Status words: tercapai = met, tidak tercapai =",
        "not met, belum dibangun = not yet built, dilewati = skipped, galat = error.*", "",
        "```bash",
        "make bench                                   # 10.000 peserta di SQLite (berkas sementara); ekspor juga",
        "                                             # pada 100.000 (basis data ditambah di akhir run)",
        "make bench BENCH_ARGS=\"--quick\"              # wrk 3 detik per halaman, ekspor hanya pada 10.000",
        "make bench BENCH_ARGS=\"--skip throughput weight quiz\"   # ekspor saja",
        "make bench BENCH_ARGS=\"--instances 2\"        # dua instans gunicorn di belakang nginx, Redis bersama",
        "# PostgreSQL: nama basis datanya harus memuat 'bench' (semua tabelnya dihapus dan dibuat ulang)",
        "createdb -h 127.0.0.1 -p 5433 -U postgres -O kelaskim kelaskim_bench",
        "DATABASE_URL=postgresql+psycopg://kelaskim:kelaskim@127.0.0.1:5433/kelaskim_bench make bench",
        "```", "",
        "Angka mutlak dari satu mesin bersama berubah-ubah dari run ke run; bandingkan **rasio** yang diukur",
        "pada run yang sama: CPU setiap halaman terhadap lantai halaman yang masuk, PostgreSQL terhadap SQLite",
        "(pada run PostgreSQL, data yang sama dibuat juga di SQLite), dan req/s terhadap hello-world Flask polos.", "",
    ]
    lines += _machine_section(run) + _targets_section(run) + _throughput_section(run) + _cpu_section(run)
    lines += _quiz_section(run)
    lines += _export_section(run) + _weight_section(run) + _routes_section(run) + _method_section(run)
    lines += notes_section()
    return "\n".join(lines).rstrip() + "\n"


def notes_section(path: Path = NOTES_PATH) -> list[str]:
    """The hand-written notes (docs/benchmarks-notes.md), carried into every report unchanged."""
    try:
        text = path.read_text(encoding="utf-8").strip()
    except OSError:
        return []
    return ["", f"<!-- Bagian berikut disalin dari {path.relative_to(ROOT)}: sunting di sana, bukan di sini. -->", "",
            text, ""]


def _machine_section(run: Run) -> list[str]:
    ds = run.dataset
    counts = ", ".join(f"{table} {_n(count)}" for table, count in (run.base_counts or ds.counts).items())
    loads = " → ".join(f"{a:.1f}" for a, _, _ in run.load_average)
    rows = [[k, v] for k, v in machine()]
    rows += [
        ["Basis data", f"{'PostgreSQL' if ds.backend == 'postgresql' else 'SQLite'}: {run.database_version}"],
        *([["Pembanding", f"SQLite {sqlite3.sqlite_version}: data yang sama ({_n(run.page_trainees)} peserta) dibuat dalam berkas "
            "sementara; setiap halaman, penilaian dan CPU per permintaan diukur dengan susunan dan beban yang sama"]]
          if run.sqlite_pages or run.sqlite_grading else []),
        ["Server", f"gunicorn, {layout_label(run.instances, run.workers)}, 127.0.0.1 (klien di mesin yang sama)"],
        ["Beban", f"{run.load.describe()} ({wrk.version() or 'wrk tidak ada'})"],
        ["Rata-rata beban mesin (1 menit) awal → akhir", loads or "–"],
        ["Tanggal", f"{to_wita(run.started):%Y-%m-%d %H:%M} WITA"],
        ["Commit", git_commit()],
        ["Data", f"{_n(run.page_trainees)} peserta; {counts}; dibuat dalam {ds.seconds:.0f} s"],
        ["Konten", ds.content],
        *([["Data ekspor besar", f"ditambah sampai {_n(ds.trainees)} peserta dalam {run.grown_seconds:.0f} s; "
            + ", ".join(f"{table} {_n(count)}" for table, count in ds.counts.items())]]
          if run.grown_from is not None else []),
        ["Lama run", f"{run.seconds / 60:.1f} menit" + (" (--quick)" if run.quick else "")],
    ]
    return ["## Mesin dan data", ""] + _table(["", ""], rows)


def _targets_section(run: Run) -> list[str]:
    return ["## Target", ""] + _table(["target", "hasil", "status"], targets(run))


def _throughput_section(run: Run) -> list[str]:
    if not run.hello and not run.pages:
        return ["## Throughput", "", wrk.INSTALL_HINT if not wrk.available() else "Dilewati pada run ini.", ""]
    rows = []
    for hello in run.hello:
        rows.append([hello.label, "–", "`/`", _n(hello.rps), "100 %" if hello.rps else "–", _n(hello.p50_ms, 1),
                     _n(hello.p99_ms, 1), str(hello.errors), _verdict(None, hello.status)])
    for row in run.pages + [replace(row, label="SQLite: " + row.label) for row in run.sqlite_pages]:
        p99_ok = row.p99_ms < P99_TARGET_MS if row.p99_ms is not None else None
        rows.append([row.label, ACCOUNT_LABELS.get(row.account, row.account), f"`{row.path}`" if row.path else "–", _n(row.rps),
                     _pct(run.ratio(row.rps)), _n(row.p50_ms, 1), _n(row.p99_ms, 1), str(row.errors) if row.rps else "–",
                     _verdict(p99_ok, row.status)])
    return [f"## Throughput: `{run.load.describe()}`", "",
            "Rasio terhadap rata-rata hello-world sebelum dan sesudah. Status = p99 < 100 ms.", ""] + \
        _table(["halaman", "akun", "URL", "req/s", "rasio", "p50 ms", "p99 ms", "galat", "status"], rows)


def _cpu_section(run: Run) -> list[str]:
    if not run.cpu:
        return []
    from tests.bench.inprocess import table

    lines = ["## CPU per permintaan (dalam satu proses)", "",
             "Waktu CPU proses (bukan waktu dinding) per permintaan lewat klien uji Flask, terbaik dari tiga putaran,",
             "dan jumlah pernyataan SQL per permintaan. Lantai = rute yang hanya merender tata letak dasar untuk akun",
             "yang masuk (`tests/bench/inprocess.py`); target: setiap halaman ≤ 2× lantai itu.", "",
             table(run.cpu), ""]
    if run.sqlite_cpu:
        lines += ["Data yang sama di SQLite (pembanding):", "", table(run.sqlite_cpu), ""]
    return lines


def _quiz_section(run: Run) -> list[str]:
    lines = ["## Kuis: penilaian sungguhan dan lonjakan", "",
             "Baris *Kirim kuis: kiriman ulang* di atas adalah POST wrk ke percobaan yang sudah dinilai: kuis dinilai",
             "sekali, jadi setiap kiriman sesudah yang pertama menempuh jalur \"sudah dikirim\" (tanpa penilaian).",
             "Jalur penilaian sungguhan diukur di sini dengan wrk: untuk setiap peserta kelompok penilaian satu",
             "percobaan baru dimulai dan dibuka lebih dulu (klien Python, tidak diukur); skrip Lua wrk lalu mengirim",
             "jawaban setiap percobaan tepat sekali, dengan cookie sesi, token CSRF dan isian peserta itu, dan berhenti",
             "sesudah jawaban terakhir. Sesudahnya basis data dihitung: kolom *dinilai* = percobaan yang benar-benar",
             "berstatus terkirim. Per detik = percobaan dinilai / lama run. Lonjakan tetap dengan klien Python",
             "(alur tiga langkah per peserta).", ""]
    rows = []
    for flow in (run.grading, run.burst):
        if flow is None:
            continue
        steps = "; ".join(f"{name} p50 {p50:.0f} / p99 {p99:.0f} ms" for name, (p50, p99) in flow.steps.items())
        rows.append([flow.label, str(flow.attempts), str(flow.completed),
                     str(flow.graded) if flow.graded is not None else "–", str(flow.errors), _n(flow.rps, 1),
                     _pct(run.ratio(flow.rps)) if flow is run.grading else "–", _n(flow.p50_ms, 1), _n(flow.p99_ms, 1),
                     steps or "–", _verdict(None, flow.status)])
    lines += _table(["ukuran", "percobaan", "selesai", "dinilai", "galat", "per detik", "rasio", "p50 ms", "p99 ms",
                     "per langkah", "status"], rows)
    for flow in (run.grading, run.burst):
        if flow and flow.note:
            lines.append(f"- {flow.label}: {flow.note}.")
        if flow and flow.error_samples:
            lines.append(f"- Contoh galat ({flow.label}): " + "; ".join(flow.error_samples))
    return lines + [""]


def _export_section(run: Run) -> list[str]:
    rows, notes = [], []
    for row in run.exports:
        ratio = row.total_s / row.floor_s if row.total_s and row.floor_s else None
        rows.append([_n(row.trainees), row.fmt, f"`{row.path}`", _n(row.rows), _kb(row.size_bytes) if row.size_bytes else "–",
                     _n(row.total_s, 2), _n(row.first_byte_s, 3), _n(row.rss_idle_mb, 0), _n(row.peak_mb, 0),
                     _n(row.growth_mb, 1), f"{_n(row.floor_s, 2)} s / {_n(row.floor_rows)} baris", _n(ratio, 1),
                     _verdict(None, row.status)])
        if row.total_s and row.total_s > GUNICORN_DEFAULT_TIMEOUT_S:
            notes.append(f"- Ekspor {row.fmt} ({_n(row.trainees)} peserta) berjalan {row.total_s:.0f} s: lebih lama dari batas worker gunicorn "
                         f"bawaan ({GUNICORN_DEFAULT_TIMEOUT_S} s), yang akan memutusnya di produksi.")
        if row.rows is not None and row.floor_rows is not None and row.rows != row.floor_rows:
            notes.append(f"- Ekspor {row.fmt} ({_n(row.trainees)} peserta): {_n(row.rows)} baris data, kueri polos {_n(row.floor_rows)} baris "
                         "(bentuk baris berbeda; bandingkan rasionya dengan hati-hati).")
    return ["## Ekspor daftar peserta (semua baris, koordinator provinsi)", "",
            "Satu worker gunicorn baru per format (batas waktu worker dinaikkan agar angkanya terlihat). Memori =",
            "VmRSS/VmHWM worker dari `/proc/<pid>/status`: diam sesudah masuk, puncak selama unduhan, naik = puncak −",
            "diam. Kueri polos = kueri SQL yang menghasilkan baris yang sama, dijalankan langsung dengan semua baris",
            f"diambil (terbaik dari tiga kali): {_sources(run)}.", ""] + _growth(run) + \
        _table(["peserta", "format", "URL", "baris", "ukuran", "total s", "byte pertama s", "diam MB", "puncak MB",
                "naik MB", "kueri polos", "rasio", "status"], rows) + (notes + [""] if notes else [])


def _growth(run: Run) -> list[str]:
    if run.grown_from is None:
        return []
    return [f"Sesudah semua pengukuran lain pada {_n(run.grown_from)} peserta, basis data yang sama ditambah peserta "
            f"sampai {_n(run.dataset.trainees)} ({run.grown_seconds:.0f} s) dan ekspor diukur lagi; target ekspor "
            "dinilai pada ukuran terbesar.", ""]


def _sources(run: Run) -> str:
    return ", ".join(sorted({f"`{row.floor_source}`" for row in run.exports if row.floor_source})) or "–"


def _weight_section(run: Run) -> list[str]:
    rows = []
    for row in run.weights:
        parts = ", ".join(f"`{path}` {_kb(size)}" for path, size in row.resources)
        rows.append([row.label, _kb(row.wire_bytes) if row.status == OK else "–",
                     _kb(row.body_bytes) if row.body_bytes else "–", str(row.requests) if row.status == OK else "–",
                     ("ya" if row.compressed_by_app else "tidak (gzip dihitung)") if row.status == OK else "–",
                     ", ".join(sorted(set(row.third_party))) or "tidak ada",
                     f"{row.scripts} skrip; isi {'ada' if row.content_without_js else 'tidak ada'} tanpa JS"
                     if row.status == OK else "–", parts or "–", _verdict(None, row.status)])
    lines = ["## Bobot halaman (kunjungan pertama, `Accept-Encoding: gzip`)", "",
             "Byte lewat jaringan = header + isi terkompresi gzip, untuk halaman dan semua yang dimuatnya (stylesheet,",
             "favicon, gambar, skrip). Bila aplikasi tidak mengompres, ukuran gzip (level 6) isi dihitung di sini:",
             "berat halaman di belakang proxy yang mengompres.", ""]
    lines += _table(["halaman", "lewat jaringan", "HTML mentah", "permintaan", "dikompres aplikasi", "host lain",
                     "JavaScript", "rincian", "status"], rows)
    measured = [row for row in run.weights if row.status == OK]
    if measured and not any(row.compressed_by_app for row in measured):
        lines += ["Aplikasi mengirim HTML dan CSS tanpa kompresi. Kompresi sebaiknya dipasang di proxy HTTPS (nginx:",
                  "`gzip on; gzip_types text/css image/svg+xml text/csv;`, HTML selalu ikut), bukan di aplikasi: worker",
                  "Python adalah sumber daya tersempit, sedangkan nginx mengompres dalam C.", ""]
    return lines


def _routes_section(run: Run) -> list[str]:
    lines = ["## Rute pada kode yang diukur", ""]
    for blueprint in ("learning", "quizzes", "reports"):
        endpoints = sorted(set(run.routes.get(blueprint, [])))
        lines.append(f"- `{blueprint}`: " + (", ".join(f"`{e}`" for e in endpoints) if endpoints else "belum ada rute"))
    return lines + [""]


def _method_section(run: Run) -> list[str]:
    notes = [
        "Setiap halaman diperiksa lebih dulu (status 200, atau 302 untuk POST) lalu dimuat wrk dengan cookie sesi",
        "akun yang tepat (`-H \"Cookie: ...\"`), sesudah masuk sekali lewat formulir `/masuk`.",
        "Peserta kuis (penilaian dan lonjakan) masuk dengan cookie sesi yang dibuat Flask-Login dengan kunci",
        "aplikasi: lewat formulir, ratusan login akan menghitung hash kata sandi dan ditolak pembatas login.",
        "Data: peserta tersebar di 11 unit (bobot kira-kira jumlah penduduk), terdaftar di kedua kursus; tiap",
        "pendaftaran belum mulai, sedang berjalan (pelajaran dan kuis sebagian, percobaan gagal dan lulus dengan",
        "baris Answer), atau selesai dengan sertifikat; kolom ringkasan Enrollment konsisten dengan baris-barisnya.",
        "Sebagian peserta pertama disisihkan untuk pengukuran kuis: pelajaran modul 1 kursus pertama selesai,",
        "belum ada percobaan.",
    ]
    lines = ["## Cara mengukur", ""] + [" ".join(notes[:2]), "", " ".join(notes[2:4]), "", " ".join(notes[4:]), ""]
    if run.notes:
        lines += ["## Catatan run ini", ""] + [f"- {note}" for note in run.notes] + [""]
    return lines


def write(run: Run, path: Path = DOC_PATH) -> Path:
    """Write the report to docs/benchmarks.md (or another path)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(run), encoding="utf-8")
    return path
