"""Generate the bundled SYNTHETIC demo submissions in demo/inbox (2021–2025).

Nothing here is an official figure. Every file name starts with SYNTHETIC_, every CSV row carries
data_origin = SYNTHETIC and every workbook says so in its 'Nguồn dữ liệu' cell.

Calibration (sources in sources/reference):
- a province's latent digital maturity follows its rank in the official DTI 2022 list (dti_rank_2022.csv);
- the 2022 digital-economy share reproduces the ministry's 2022 distribution: 5 provinces above 20%, 13 in
  10–20%, 43 in 5–10%, 2 below 5% (digital_economy_share.csv), with the 14 provinces it names placed in
  their published band (values drawn within the band, not copied); other years follow the ministry's
  national series (11.91% in 2021, 14.26% in 2022) and 8% a year after 2022 (an assumption);
- 2025 is reported by the 34 units: shares are population-weighted means of the constituents (GSO 2022
  population), counts are sums.

Formats vary as real submissions do: Excel from the template, CSV with English or Vietnamese headings,
',' or ';' separators, decimal comma or dot, name variants and codes. A few files and rows are broken on
purpose (see BROKEN below). The output is byte-for-byte reproducible: `make demo-data` and compare.

Usage: python scripts/generate_demo_data.py [--out demo/inbox]
"""

from __future__ import annotations

import argparse
import csv
import io
import random
import shutil
import sys
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sources.index.methodology import Methodology, load_methodology  # noqa: E402
from sources.intake.template import write_workbook  # noqa: E402
from sources.reference.provinces import REFERENCE_DIR, ProvinceRegister, fold, name_key, swap_tone_placement  # noqa: E402

SEED = 20211231
YEARS = range(2021, 2026)
ORIGIN = "SYNTHETIC (dữ liệu mô phỏng, không phải số liệu chính thức)"

# indicator → (2021 value at lowest maturity, 2021 value at highest maturity, gain per year, noise sd)
PROFILES = {
    "online_services_level4_pct": (20, 70, 8, 5),
    "records_online_province_pct": (60, 95, 3, 3),
    "records_online_district_pct": (40, 85, 4, 4),
    "records_online_commune_pct": (20, 70, 6, 5),
    "shared_db_connected_pct": (30, 90, 8, 6),
    "open_data_agencies_pct": (10, 60, 10, 6),
    "inspections_online_pct": (5, 40, 7, 5),
    "admin_satisfaction_pct": (75, 95, 1, 2),
    "digital_economy_sector_min_pct": (2, 10, 1, 1),
    "labour_productivity_growth_pct": (3, 8, 0, 1.5),
    "ecommerce_retail_share_pct": (3, 12, 1.2, 1),
    "dx_enterprises_pct": (10, 45, 6, 4),
    "fibre_household_pct": (50, 90, 4, 3),
    "fibre_commune_coverage_pct": (85, 100, 3, 2),
    "smartphone_adult_pct": (60, 85, 3, 3),
    "epayment_account_pct": (30, 65, 5, 4),
    "bank_account_15plus_pct": (55, 85, 3, 3),
    "digital_skills_workforce_pct": (15, 55, 8, 5),
    "ehealth_record_pct": (20, 70, 12, 6),
    "dx_communes_pct": (5, 40, 10, 5),
    "dx_districts_pct": (0, 30, 10, 5),
}
ENTERPRISES_PER_1000 = (0.1, 1.0)  # digital enterprises per 1,000 people, lowest → highest maturity, 2021
ENTERPRISE_GROWTH = 1.08
DE_NATIONAL = {2021: 11.91, 2022: 14.26}  # ministry series, digital_economy_share.csv
DE_GROWTH_AFTER_2022 = 1.08
DE_BANDS_2022 = {  # band → (low, high, provinces the ministry's 2022 report places there)
    "above20": (20.5, 45.0, ["Bắc Ninh", "Thái Nguyên", "Bắc Giang", "Hải Phòng", "Vĩnh Phúc"]),
    "10to20": (10.0, 19.9, ["Đà Nẵng", "TP Hồ Chí Minh", "Hà Nội", "Lạng Sơn"]),
    "5to10": (5.0, 9.9, ["Tây Ninh", "Tiền Giang", "Bình Thuận"]),
    "below5": (3.0, 4.95, ["Bạc Liêu", "Quảng Ngãi"]),
}
DE_BAND_SIZES = {"above20": 5, "10to20": 13, "5to10": 43, "below5": 2}


def _rank_2022(register: ProvinceRegister) -> dict[str, int]:
    with (REFERENCE_DIR / "dti_rank_2022.csv").open(encoding="utf-8") as handle:
        return {register.resolve(r["province"], 2022).unit.code: int(r["rank"]) for r in csv.DictReader(handle)}


def _digital_economy_2022(
    register: ProvinceRegister, maturity: dict[str, float], rng: random.Random
) -> dict[str, float]:
    placed: dict[str, str] = {}
    for band, (_, _, names) in DE_BANDS_2022.items():
        for name in names:
            placed[register.resolve(name, 2022).unit.code] = band
    rest = sorted((c for c in maturity if c not in placed), key=lambda c: -(maturity[c] + rng.gauss(0, 0.15)))
    for band in ("above20", "10to20", "5to10", "below5"):
        while sum(1 for b in placed.values() if b == band) < DE_BAND_SIZES[band]:
            placed[rest.pop(0)] = band
    return {code: round(rng.uniform(*DE_BANDS_2022[band][:2]), 2) for code, band in placed.items()}


def simulate(methodology: Methodology, register: ProvinceRegister) -> dict[int, dict[str, dict[str, float]]]:
    """year → old unit code → indicator → value, for the 63 former units (2025 included, before merging)."""
    rng = random.Random(SEED)
    ranks = _rank_2022(register)
    maturity = {code: 1 - (rank - 1) / 62 for code, rank in ranks.items()}
    de_2022 = _digital_economy_2022(register, maturity, rng)
    population = {u.code: u.population_thousand for u in register.in_set("63")}
    values: dict[int, dict[str, dict[str, float]]] = {}
    for year in YEARS:
        values[year] = {}
        for code, m in sorted(maturity.items()):
            row: dict[str, float] = {}
            for indicator in methodology.reported_in(min(year, 2024)):
                low, high = indicator.domain
                if indicator.code in PROFILES:
                    start, top, gain, sd = PROFILES[indicator.code]
                    value = start + (top - start) * m + gain * (year - 2021) + rng.gauss(0, sd)
                    row[indicator.code] = round(min(max(value, low), high), 2)
                elif indicator.code == "digital_economy_grdp_pct":
                    scale = (
                        DE_NATIONAL.get(year, DE_NATIONAL[2022] * DE_GROWTH_AFTER_2022 ** (year - 2022))
                        / DE_NATIONAL[2022]
                    )
                    row[indicator.code] = round(min(de_2022[code] * scale * rng.uniform(0.95, 1.05), high), 2)
                elif indicator.code == "digital_enterprises_count":
                    rate = ENTERPRISES_PER_1000[0] + (ENTERPRISES_PER_1000[1] - ENTERPRISES_PER_1000[0]) * m
                    row[indicator.code] = float(
                        round(rate * population[code] * ENTERPRISE_GROWTH ** (year - 2021) * rng.uniform(0.9, 1.1))
                    )
            values[year][code] = row
    return values


def merge_to_34(
    methodology: Methodology, register: ProvinceRegister, old: dict[str, dict[str, float]], year: int
) -> dict[str, dict[str, float]]:
    merged: dict[str, dict[str, float]] = {}
    population = {u.code: u.population_thousand for u in register.in_set("63")}
    for unit in register.in_set("34"):
        parts = list(unit.merged_from)
        total = sum(population[p] for p in parts)
        row = {}
        for indicator in methodology.reported_in(year):
            if indicator.kind == "count":
                row[indicator.code] = float(sum(old[p][indicator.code] for p in parts))
            else:
                row[indicator.code] = round(sum(old[p][indicator.code] * population[p] for p in parts) / total, 2)
        merged[unit.code] = row
    return merged


def _vn_number(value: float, percent: bool) -> str:
    text = f"{value:,.2f}".replace(",", "\u2009").replace(".", ",").replace("\u2009", ".")
    text = text.rstrip("0").rstrip(",")
    return text + ("%" if percent else "")


def _written_name(unit, style: int) -> str:
    """The province as different officers write it."""
    base = unit.base_name
    return [
        unit.name,
        fold(unit.name).title(),
        swap_tone_placement(unit.name),
        f"Tỉnh {base}" if unit.kind == "province" else f"TP. {base}",
        unit.code,
        unit.name.upper(),
    ][style % 6]


def _cp1258(text: str) -> bytes:
    """Encode as legacy Windows-1258: base letters precomposed (ư, ơ, â …), tone marks combining."""
    tones = "\u0300\u0301\u0303\u0309\u0323"
    out = []
    for ch in text:
        parts = unicodedata.normalize("NFD", ch)
        base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in tones))
        out.append(base + "".join(c for c in parts if c in tones))
    return "".join(out).encode("cp1258")


def _csv_bytes(rows: list[list[str]], delimiter: str, bom: bool) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\n").writerows(rows)
    return (b"\xef\xbb\xbf" if bom else b"") + buffer.getvalue().encode("utf-8")


def write_csv(
    path: Path,
    methodology: Methodology,
    unit,
    year: int,
    values: dict[str, float],
    style: int,
    overrides: dict[str, str] | None = None,
) -> None:
    vietnamese = style % 2 == 1
    header = (
        ["tinh", "nam", "chi_tieu", "gia_tri", "don_vi", "ghi_chu", "nguon_du_lieu"]
        if vietnamese
        else ["province", "year", "indicator", "value", "unit", "note", "data_origin"]
    )
    rows = [header]
    for code, value in values.items():
        indicator = methodology.by_code[code]
        percent_sign = vietnamese and indicator.unit == "percent" and style % 4 == 1
        written = _vn_number(value, percent_sign) if vietnamese else f"{value:g}"
        unit_text = methodology.units[indicator.unit].symbol if style % 3 else ""
        written = (overrides or {}).get(code, written)
        rows.append([_written_name(unit, style), str(year), code, written, unit_text, "", ORIGIN])
    path.write_bytes(_csv_bytes(rows, ";" if vietnamese else ",", bom=style % 5 == 0))


def generate(out: Path) -> list[Path]:
    methodology = load_methodology(ROOT / "methodology" / "default.yaml")
    register = ProvinceRegister()
    simulated = simulate(methodology, register)
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    written: list[Path] = []
    for year in YEARS:
        unit_set = "63" if year <= 2024 else "34"
        by_code = simulated[year] if unit_set == "63" else merge_to_34(methodology, register, simulated[year], year)
        for index, unit in enumerate(sorted(register.in_set(unit_set), key=lambda u: u.code)):
            values = {i.code: by_code[unit.code][i.code] for i in methodology.reported_in(year)}
            stem = f"SYNTHETIC_{year}_{unit.code}_{name_key(unit.name)}"
            style = index + year
            overrides = {}
            if (year, unit.code) == (2021, "01"):
                overrides["digital_economy_grdp_pct"] = "khoảng 17"  # BROKEN: text in a number field
            if (year, unit.code) == (2024, "38"):
                overrides["fibre_household_pct"] = "150"  # BROKEN: a percentage above 100
            if index % 3 == 0 and not overrides:
                path = write_workbook(
                    out / f"{stem}.xlsx",
                    methodology,
                    register,
                    year,
                    province=_written_name(unit, style % 4),
                    values=values,
                    data_origin=ORIGIN,
                )
            else:
                path = out / f"{stem}.csv"
                write_csv(path, methodology, unit, year, values, style, overrides)
            written.append(path)
    written += _broken_files(out, methodology, register, simulated)
    return written


def _broken_files(out: Path, methodology: Methodology, register: ProvinceRegister, simulated) -> list[Path]:
    """BROKEN on purpose, each in addition to the province's good file, so coverage stays complete."""
    files = []
    ha_nam = register.unit("63", "35")
    good = out / f"SYNTHETIC_2023_35_{name_key(ha_nam.name)}_resent_legacy_encoding.csv"
    rows = [["province", "year", "indicator", "value", "unit", "note", "data_origin"]]
    rows += [
        [ha_nam.name, "2023", c, f"{v:g}", "", "gửi lại", ORIGIN] for c, v in list(simulated[2023]["35"].items())[:5]
    ]
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    good.write_bytes(_cp1258(buffer.getvalue()))  # wrong encoding: Windows-1258, not UTF-8
    files.append(good)

    header = ["province", "year", "indicator", "value", "unit", "note", "data_origin"]
    broken_rows = {
        "SYNTHETIC_2024_00_unknown_province.csv": [  # a province that does not exist
            header,
            ["Tỉnh Bắc Trung Bộ", "2024", "fibre_household_pct", "81,5", "%", "", ORIGIN],
            ["Tỉnh Bắc Trung Bộ", "2024", "smartphone_adult_pct", "77", "%", "", ORIGIN],
        ],
        "SYNTHETIC_2022_96_camau_missing_value_column.csv": [  # no value column
            [h for h in header if h != "value"],
            ["Cà Mau", "2022", "fibre_household_pct", "%", "", ORIGIN],
        ],
        "SYNTHETIC_2025_24_bacgiang_retired_unit.csv": [  # a former unit reporting after the merger, and a typo
            header,
            ["Bắc Giang", "2025", "fibre_household_pct", "91,2", "%", "", ORIGIN],
            ["Bắc Giang", "2025", "fibre_houshold_pct", "91,2", "%", "", ORIGIN],
        ],
    }
    for name, rows in broken_rows.items():
        path = out / name
        path.write_bytes(_csv_bytes(rows, ",", bom=False))
        files.append(path)

    not_workbook = out / "SYNTHETIC_2024_37_ninhbinh_not_a_workbook.xlsx"
    not_workbook.write_bytes("Đây không phải tệp Excel — SYNTHETIC\n".encode())
    files.append(not_workbook)

    duplicate_source = next(p for p in sorted(out.glob("SYNTHETIC_2023_*.csv")) if "resent" not in p.name)
    duplicate = out / f"{duplicate_source.stem}_sent_twice.csv"
    duplicate.write_bytes(duplicate_source.read_bytes())  # the same file sent twice: one submission
    files.append(duplicate)
    return files


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "demo" / "inbox")
    args = parser.parse_args()
    files = generate(args.out)
    sys.stdout.write(f"wrote {len(files)} SYNTHETIC submission files to {args.out}\n")


if __name__ == "__main__":
    main()
