"""YAML read with the line of every key, and typed reads that record each problem with its file, line and key."""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Optional

import yaml

from app.catalog.models import SLUG, SLUG_MAX
from app.quizzes import pools

Key = tuple[Any, ...]  # a path into a YAML document: ("questions", 2, "choices", 0)


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a course folder, tied to a file and, where known, a line and a key."""

    file: str
    message: str
    line: Optional[int] = None
    where: str = ""

    def __str__(self) -> str:
        """e.g. "courses/x/01-a/quiz.yaml:41: soal 'q3' (questions[2]): tidak ada pilihan yang benar"."""
        place = f"{self.file}:{self.line}" if self.line else self.file
        return f"{place}: {self.where}: {self.message}" if self.where else f"{place}: {self.message}"


# libyaml's parser where PyYAML was built with it (the wheels are): it reads a course a few times faster than
# the pure-Python one, and its nodes carry the same line marks.
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class Document:
    """A parsed YAML document that remembers the line of every key, and collects problems."""

    def __init__(self, file: str, problems: list[Problem], first_line: int = 1) -> None:
        self.file = file
        self.problems = problems
        self.first_line = first_line
        self.lines: dict[Key, int] = {}
        self.data: Any = None

    def parse(self, text: str) -> bool:
        """Parse text; on a YAML error record it with the line of the error mark."""
        loader = _Loader(text)
        try:
            node = loader.get_single_node()
            self.data = loader.construct_document(node) if node is not None else None
        except yaml.YAMLError as error:
            mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
            line = mark.line + self.first_line if mark else None
            reason = getattr(error, "problem", None) or str(error)
            self.problems.append(Problem(self.file, f"YAML tidak valid: {reason}", line))
            return False
        finally:
            loader.dispose()
        if node is not None:
            self._note_lines(node, ())
        return True

    def _note_lines(self, node: yaml.Node, key: Key) -> None:
        """Record the line of each mapping key and sequence item; report keys written twice."""
        self.lines.setdefault(key, node.start_mark.line + self.first_line)
        if isinstance(node, yaml.MappingNode):
            seen: set[Any] = set()
            for key_node, value_node in node.value:
                name = key_node.value
                if name in seen:
                    self.report(key, f"kunci '{name}' ditulis dua kali", line=key_node.start_mark.line + self.first_line)
                seen.add(name)
                self.lines.setdefault(key + (name,), key_node.start_mark.line + self.first_line)
                self._note_lines(value_node, key + (name,))
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                self._note_lines(item, key + (index,))

    def line_of(self, key: Key) -> Optional[int]:
        """The line of key, or of its nearest parent that the file has."""
        for end in range(len(key), -1, -1):
            if key[:end] in self.lines:
                return self.lines[key[:end]]
        return None

    def report(self, key: Key, message: str, label: str = "", line: Optional[int] = None) -> None:
        """Record a problem at key; label names the thing (e.g. "soal 'q3'") before the key path."""
        path = key_path(key)
        where = f"{label} ({path})" if label and path else (label or path)
        self.problems.append(Problem(self.file, message, line or self.line_of(key), where))


def key_path(key: Key) -> str:
    """("questions", 2, "choices", 0) -> "questions[2].choices[0]"."""
    text = ""
    for part in key:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


class Fields:
    """Typed reads of one mapping in a document: each bad or missing value is recorded once."""

    def __init__(self, doc: Document, data: Any, key: Key = (), label: str = "") -> None:
        self.doc = doc
        self.key = key
        self.label = label
        self.ok = isinstance(data, dict)
        self.data: dict = data if self.ok else {}
        if not self.ok:
            self.problem((), "harus berupa pemetaan (kunci: nilai)")

    def problem(self, name: Key, message: str) -> None:
        """Record a problem at a key below this mapping."""
        self.doc.report(self.key + name, message, self.label)

    def _present(self, name: str, required: bool) -> bool:
        """Whether the key is there; a missing required key is reported."""
        if name in self.data:
            return True
        if required:
            self.problem((), f"kunci wajib '{name}' tidak ada")
        return False

    def text(self, name: str, required: bool = True, max_length: int = 0, default: str = "") -> str:
        """A non-empty string (optional keys may be missing, never empty or of another type)."""
        if not self._present(name, required):
            return default
        value = self.data[name]
        if value is None:
            self.problem((name,), "tidak boleh kosong")
            return default
        if not isinstance(value, str):
            self.problem((name,), "harus berupa teks (beri tanda kutip bila berupa angka atau tanggal)")
            return default
        if not value.strip():
            self.problem((name,), "tidak boleh kosong")
        elif max_length and len(value) > max_length:
            self.problem((name,), f"terlalu panjang ({len(value)} karakter; paling banyak {max_length})")
        return value

    def slug(self, name: str) -> str:
        """A slug: lowercase letters, digits and hyphens."""
        value = self.text(name, max_length=SLUG_MAX)
        if value and not SLUG.match(value):
            self.problem((name,), f"'{value}' bukan slug yang sah (huruf kecil, angka, tanda hubung)")
        return value

    def integer(self, name: str, low: int = 1, high: Optional[int] = None, default: Optional[int] = None,
                required: bool = True, nullable: bool = False) -> Optional[int]:
        """A whole number in [low, high]; null allowed only when nullable."""
        if not self._present(name, required):
            return default
        value = self.data[name]
        if value is None and nullable:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value < low or (high is not None and value > high):
            limit = f"antara {low} dan {high}" if high is not None else f"lebih dari {low - 1}"
            self.problem((name,), f"harus bilangan bulat {limit}" + (" atau null" if nullable else ""))
            return default
        return value

    def number(self, name: str, default: float) -> float:
        """A positive finite number (optional); YAML's .nan and .inf are refused."""
        value = self.data.get(name, default)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
            self.problem((name,), "harus bilangan lebih dari 0 (bukan .nan atau .inf)")
            return default
        return float(value)

    def weight(self, name: str) -> Optional[float]:
        """An optional per-answer weight in percent, -100..100 (Moodle's answer grade)."""
        if name not in self.data:
            return None
        value = self.data[name]
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not -100 <= value <= 100:
            self.problem((name,), "harus bilangan antara -100 dan 100 (persen nilai jawaban ini)")
            return None
        return float(value)

    def tags(self, name: str) -> list[str]:
        """An optional list of distinct tags, each slug-like and short."""
        if name not in self.data:
            return []
        value = self.data[name]
        if not isinstance(value, list):
            self.problem((name,), "harus berupa daftar tag, misalnya [pelajaran-1]")
            return []
        tags: list[str] = []
        for index, item in enumerate(value):
            if not pools.is_tag(item):
                self.problem((name, index), f"tag harus slug (huruf kecil, angka, tanda hubung) paling panjang {pools.TAG_MAX} karakter")
            elif item in tags:
                self.problem((name, index), f"tag '{item}' ditulis dua kali")
            else:
                tags.append(item)
        return tags

    def counts_by_tag(self, name: str) -> dict[str, int]:
        """An optional mapping of tags to whole numbers of at least 1."""
        if name not in self.data:
            return {}
        value = self.data[name]
        if not isinstance(value, dict) or not value:
            self.problem((name,), "harus berupa pemetaan tag: jumlah, misalnya pelajaran-1: 2")
            return {}
        counts = {}
        for tag, count in value.items():
            if not pools.is_tag(tag):
                self.problem((name, tag), f"'{tag}' bukan tag yang sah (slug paling panjang {pools.TAG_MAX} karakter)")
            elif isinstance(count, bool) or not isinstance(count, int) or count < 1:
                self.problem((name, tag), "harus bilangan bulat lebih dari 0")
            else:
                counts[tag] = count
        return counts

    def boolean(self, name: str, default: Optional[bool] = None, required: bool = False) -> Optional[bool]:
        """true or false."""
        if not self._present(name, required):
            return default
        value = self.data[name]
        if not isinstance(value, bool):
            self.problem((name,), "harus true atau false")
            return default
        return value

    def choice(self, name: str, allowed: tuple[str, ...], default: str) -> str:
        """One of a few words, e.g. status or scoring."""
        value = self.data.get(name, default)
        if value not in allowed:
            self.problem((name,), f"harus salah satu dari: {', '.join(allowed)}")
            return default
        return value

    def texts(self, name: str, required: bool = True) -> list[str]:
        """A list of at least one non-empty string."""
        if not self._present(name, required):
            return []
        value = self.data[name]
        if not isinstance(value, list) or not value:
            self.problem((name,), "harus berupa daftar berisi minimal satu teks")
            return []
        for index, item in enumerate(value):
            if not isinstance(item, str) or not item.strip():
                self.problem((name, index), "harus berupa teks yang tidak kosong (beri tanda kutip bila berupa angka)")
        return [item for item in value if isinstance(item, str)]

    def items(self, name: str, required: bool = True, minimum: int = 1) -> list[Any]:
        """A list of mappings (each checked by the caller)."""
        if not self._present(name, required):
            return []
        value = self.data[name]
        if not isinstance(value, list) or len(value) < minimum:
            self.problem((name,), f"harus berupa daftar berisi minimal {minimum} butir")
            return []
        return value

    def only(self, allowed: set[str]) -> None:
        """Report keys that the format does not know (often a typo)."""
        for name in self.data:
            if name not in allowed:
                self.problem((name,), f"kunci '{name}' tidak dikenal")

    def sub(self, name: Key) -> Fields:
        """The fields of a mapping nested below this one."""
        data: Any = self.data
        for part in name:
            data = data[part]
        return Fields(self.doc, data, self.key + name, self.label)

