"""Provinces before and after the 2025 merger, every way people write their names, and resolution of a
written name or code to the unit in force in a reporting year.

Two unit sets exist: `63` (the provinces and cities in force until 30/06/2025) and `34` (from
01/07/2025, Nghị quyết 202/2025/QH15). Codes repeat across the sets with different meanings (24 is old
Bắc Giang and new Bắc Ninh), so a code is only meaningful together with its unit set.
"""

from __future__ import annotations

import csv
import difflib
import re
import unicodedata
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

REFERENCE_DIR = Path(__file__).resolve().parent
MERGER_YEAR = 2025
CENTRAL_CITIES_63 = {"01", "31", "48", "79", "92"}

# Tone marks placed on the second vowel ("new style": hoà) or the first ("old style": hòa). Both are
# written in official tables; a name is stored in both spellings.
_TONES = "\u0300\u0301\u0303\u0309\u0323"
_GLIDE_PAIRS = ("oa", "oe", "uy")

_PREFIX_TOKENS = (("thanh", "pho"), ("tp",), ("tinh",))


def unit_set_for(year: int) -> str:
    """The unit set that a reporting year is reported in."""
    return "34" if year >= MERGER_YEAR else "63"


def fold(text: str) -> str:
    """Lower case, without diacritics (đ → d)."""
    text = unicodedata.normalize("NFC", text).lower().replace("đ", "d")
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))


def name_key(text: str) -> str:
    """The key names are matched on: folded, punctuation and spaces removed, administrative prefix
    ("Tỉnh", "Thành phố", "TP.") dropped."""
    tokens = re.sub(r"[^a-z0-9]+", " ", fold(text)).split()
    stripped = True
    while stripped:
        stripped = False
        for prefix in _PREFIX_TOKENS:
            if len(tokens) > len(prefix) and tuple(tokens[: len(prefix)]) == prefix:
                tokens = tokens[len(prefix) :]
                stripped = True
    return "".join(tokens)


def swap_tone_placement(name: str) -> str:
    """Hòa ↔ Hoà, Hóa ↔ Hoá, Thủy ↔ Thuỷ: the other of the two accepted spellings."""
    decomposed = unicodedata.normalize("NFD", name)
    out = []
    i = 0
    while i < len(decomposed):
        ch = decomposed[i]
        nxt = decomposed[i + 1] if i + 1 < len(decomposed) else ""
        if nxt in _TONES and i + 2 < len(decomposed) and (ch + decomposed[i + 2]).lower() in _GLIDE_PAIRS:
            out.append(ch + decomposed[i + 2] + nxt)  # old style → new style
            i += 3
            continue
        if i + 2 < len(decomposed) and (ch + nxt).lower() in _GLIDE_PAIRS and decomposed[i + 2] in _TONES:
            after = decomposed[i + 3] if i + 3 < len(decomposed) else ""
            if not after.isalpha():  # only a final glide: "hoà" but not "hoàng"
                out.append(ch + decomposed[i + 2] + nxt)  # new style → old style
                i += 3
                continue
        out.append(ch)
        i += 1
    return unicodedata.normalize("NFC", "".join(out))


@dataclass(frozen=True)
class Unit:
    unit_set: str
    code: str
    name: str
    kind: str  # "city" (thành phố trực thuộc trung ương) or "province" (tỉnh)
    population_thousand: float
    population_basis: str
    area_km2: float | None
    merged_from: tuple[str, ...]
    source: str

    @property
    def base_name(self) -> str:
        return re.sub(r"^(Thành phố|TP\.)\s+", "", self.name)


@dataclass(frozen=True)
class Resolution:
    unit: Unit | None
    error: str | None = None
    # Why it failed: "unknown", or "retired" (a former unit after the merger / a new unit before it).
    kind: str | None = None
    # The same facts as `error`, in Vietnamese.
    error_vi: str | None = None


def _float(value: str) -> float | None:
    return float(value) if value.strip() else None


def _read(name: str) -> list[dict[str, str]]:
    with (REFERENCE_DIR / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


class ProvinceRegister:
    """The 63 + 34 units, their name variants and the crosswalk, read from `sources/reference`."""

    @cached_property
    def units(self) -> list[Unit]:
        units = []
        for row in _read("provinces_63.csv"):
            units.append(
                Unit(
                    unit_set="63",
                    code=row["gso_code"],
                    name=row["name"],
                    kind="city" if row["gso_code"] in CENTRAL_CITIES_63 else "province",
                    population_thousand=float(row["population_2022_thousand"]),
                    population_basis="GSO average population 2022",
                    area_km2=_float(row["area_km2"]),
                    merged_from=(),
                    source=row["source"],
                )
            )
        for row in _read("provinces_34.csv"):
            units.append(
                Unit(
                    unit_set="34",
                    code=row["code"],
                    name=row["name"],
                    kind=row["kind"],
                    population_thousand=float(row["population_thousand_2024_merger_basis"]),
                    population_basis="merger basis (quy mô dân số) 31/12/2024",
                    area_km2=_float(row["area_km2"]),
                    merged_from=tuple(row["merged_from_gso_codes"].split("+")),
                    source=row["source"],
                )
            )
        return units

    @cached_property
    def crosswalk(self) -> list[dict[str, str]]:
        return _read("province_merger_2025.csv")

    @cached_property
    def aliases(self) -> list[dict[str, str]]:
        return _read("province_name_aliases.csv")

    def unit(self, unit_set: str, code: str) -> Unit:
        return self._by_code[(unit_set, code)]

    def in_set(self, unit_set: str) -> list[Unit]:
        return [u for u in self.units if u.unit_set == unit_set]

    @cached_property
    def _by_code(self) -> dict[tuple[str, str], Unit]:
        return {(u.unit_set, u.code): u for u in self.units}

    def variants(self) -> list[dict[str, str]]:
        """Every written form of every unit: official, without prefix, with each prefix, both tone
        placements, without diacritics, and the curated aliases (with their source)."""
        rows: dict[tuple[str, str, str], dict[str, str]] = {}

        def add(unit: Unit, variant: str, kind: str, source: str) -> None:
            rows.setdefault(
                (unit.unit_set, unit.code, variant),
                {
                    "unit_set": unit.unit_set,
                    "code": unit.code,
                    "name": unit.name,
                    "variant": variant,
                    "variant_kind": kind,
                    "match_key": name_key(variant),
                    "source": source,
                },
            )

        for unit in self.units:
            base = unit.base_name
            forms = [(unit.name, "official"), (base, "without prefix")]
            prefixes = ("Thành phố", "TP.", "TP") if unit.kind == "city" else ("Tỉnh",)
            forms += [(f"{p} {base}", "with prefix") for p in prefixes]
            for form, _kind in list(forms):
                swapped = swap_tone_placement(form)
                if swapped != form:
                    forms.append((swapped, "other tone placement"))
            for form, _kind in list(forms):
                forms.append((fold(form).title(), "without diacritics"))
            for form, kind in forms:
                add(unit, form, kind, "generated from the official name")
        for alias in self.aliases:
            for unit_set in ("63", "34"):
                if (unit_set, alias["code"]) in self._by_code and alias["unit_set"] in (unit_set, "both"):
                    add(self.unit(unit_set, alias["code"]), alias["variant"], "alias", alias["source"])
        return list(rows.values())

    @cached_property
    def _key_index(self) -> dict[str, dict[str, Unit]]:
        index: dict[str, dict[str, Unit]] = {"63": {}, "34": {}}
        for row in self.variants():
            index[row["unit_set"]][row["match_key"]] = self.unit(row["unit_set"], row["code"])
        return index

    @cached_property
    def _successor(self) -> dict[str, Unit]:
        return {row["old_gso_code"]: self.unit("34", row["new_code"]) for row in self.crosswalk}

    def successor(self, old_code: str) -> Unit:
        """The current unit a former unit became part of on 01/07/2025."""
        return self._successor[old_code]

    def resolve(self, written: str, year: int) -> Resolution:
        """Map a province name or code as written in a submission to the unit in force in `year`."""
        unit_set = unit_set_for(year)
        text = (written or "").strip()
        if not text:
            return Resolution(None, "province is empty", "unknown", "ô tỉnh/thành phố để trống")
        if re.fullmatch(r"\d{1,2}", text):
            code = text.zfill(2)
            if (unit_set, code) in self._by_code:
                return Resolution(self.unit(unit_set, code))
            return Resolution(
                None,
                f"province code {code} does not exist among the {unit_set} units in force in {year}",
                "unknown",
                f"mã tỉnh {code} không có trong {unit_set} đơn vị hành chính năm {year}",
            )
        key = name_key(text)
        found = self._key_index[unit_set].get(key)
        if found:
            return Resolution(found)
        if unit_set == "34" and key in self._key_index["63"]:
            old = self._key_index["63"][key]
            new = self._successor[old.code]
            return Resolution(
                None,
                (
                    f"'{text}' ({old.name}, code {old.code}) no longer exists in {year}: it was merged into "
                    f"{new.name} (code {new.code}) on 01/07/2025; report it as part of {new.name}"
                ),
                "retired",
                (
                    f"'{text}' ({old.name}, mã {old.code}) không còn tồn tại năm {year}: đã sáp nhập vào "
                    f"{new.name} (mã {new.code}) từ 01/07/2025; hãy báo cáo trong số liệu của {new.name}"
                ),
            )
        if unit_set == "63" and key in self._key_index["34"]:
            new = self._key_index["34"][key]
            return Resolution(
                None,
                (
                    f"'{text}' ({new.name}) is one of the 34 units in force from 01/07/2025; {year} is reported "
                    f"by the 63 former units (for example {', '.join(self.unit('63', c).name for c in new.merged_from)})"
                ),
                "retired",
                (
                    f"'{text}' ({new.name}) là một trong 34 đơn vị từ 01/07/2025; năm {year} do 63 đơn vị cũ báo "
                    f"cáo (ví dụ {', '.join(self.unit('63', c).name for c in new.merged_from)})"
                ),
            )
        close = difflib.get_close_matches(key, list(self._key_index[unit_set]), n=1, cutoff=0.8)
        hint = f"; did you mean '{self._key_index[unit_set][close[0]].name}'?" if close else ""
        hint_vi = f"; có phải là '{self._key_index[unit_set][close[0]].name}'?" if close else ""
        return Resolution(
            None,
            f"unknown province '{text}' among the {unit_set} units in force in {year}{hint}",
            "unknown",
            f"không có '{text}' trong {unit_set} đơn vị hành chính năm {year}{hint_vi}",
        )
