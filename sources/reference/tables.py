"""The `reference` schema as data frames: provinces before and after the merger, their name variants,
the crosswalk, population, the indicator catalogue, national targets, the target registry, the source
documents and the officially published DTI results. Every row keeps its source."""

from __future__ import annotations

import csv
from collections.abc import Callable

import polars as pl

from sources.catalog.catalog import catalog
from sources.index.methodology import Methodology
from sources.intake.inbox import sha256
from sources.reference.provinces import MERGER_YEAR, REFERENCE_DIR, ProvinceRegister

COMPARATORS = {">=": "≥", "<=": "≤", "~": "≈", ">": ">", "<": "<", "=": "=", "≥": "≥", "≤": "≤", "≈": "≈"}


def _csv(name: str) -> list[dict[str, str]]:
    with (REFERENCE_DIR / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _none(value: str | None) -> str | None:
    return value if value not in (None, "") else None


def _num(value: str | None) -> float | None:
    return float(value) if _none(value) is not None else None


def provinces(register: ProvinceRegister) -> pl.DataFrame:
    rows = [
        {
            "unit_set": u.unit_set,
            "code": u.code,
            "name": u.name,
            "kind": u.kind,
            "valid_from": "2008-08-01" if u.unit_set == "63" else "2025-07-01",
            "valid_to": "2025-06-30" if u.unit_set == "63" else None,
            "first_reporting_year": None if u.unit_set == "63" else MERGER_YEAR,
            "last_reporting_year": MERGER_YEAR - 1 if u.unit_set == "63" else None,
            "merged_from": "+".join(u.merged_from) or None,
            "area_km2": u.area_km2,
            "source": u.source,
        }
        for u in register.units
    ]
    return pl.DataFrame(rows).with_columns(
        pl.col("valid_from").str.to_date(),
        pl.col("valid_to").str.to_date(),
        pl.col("first_reporting_year").cast(pl.Int32),
        pl.col("last_reporting_year").cast(pl.Int32),
    )


def province_names(register: ProvinceRegister) -> pl.DataFrame:
    return pl.DataFrame(register.variants()).sort("unit_set", "code", "variant")


def crosswalk(register: ProvinceRegister) -> pl.DataFrame:
    """Old unit → the new unit it became part of, with its share of the new unit's 2022 population
    (GSO basis on both sides, so the shares of one new unit sum to 1)."""
    old_pop = {u.code: u.population_thousand for u in register.in_set("63")}
    rows = register.crosswalk
    totals: dict[str, float] = {}
    for row in rows:
        totals[row["new_code"]] = totals.get(row["new_code"], 0.0) + old_pop[row["old_gso_code"]]
    return pl.DataFrame(
        [
            {
                "old_code": r["old_gso_code"],
                "old_name": r["old_name"],
                "new_code": r["new_code"],
                "new_name": r["new_name"],
                "old_population_2022_thousand": old_pop[r["old_gso_code"]],
                "population_share_in_new": old_pop[r["old_gso_code"]] / totals[r["new_code"]],
                "effective_date": "2025-07-01",
                "source": "Nghị quyết 202/2025/QH15; codes by Quyết định 19/2025/QĐ-TTg (shared/reference/province_merger_2025.csv)",
            }
            for r in rows
        ]
    ).with_columns(pl.col("effective_date").str.to_date())


def population(register: ProvinceRegister) -> pl.DataFrame:
    """Two population bases, never to be mixed in one weight (see shared/reference/README.md)."""
    return pl.DataFrame(
        [
            {
                "unit_set": u.unit_set,
                "code": u.code,
                "name": u.name,
                "population_thousand": u.population_thousand,
                "basis": u.population_basis,
                "reference_date": "2022-07-01" if u.unit_set == "63" else "2024-12-31",
                "source": u.source.split(" ; ")[0] if u.unit_set == "63" else u.source,
            }
            for u in register.units
        ]
    ).with_columns(pl.col("reference_date").str.to_date())


def indicators(methodology: Methodology) -> pl.DataFrame:
    pillars = {p.code: p for p in methodology.pillars}
    rows = []
    for i in methodology.indicators:
        t25, t30 = i.national_targets.get(2025), i.national_targets.get(2030)
        rows.append(
            {
                "code": i.code,
                "name_vi": i.name_vi,
                "name_en": i.name_en,
                "pillar": i.pillar,
                "pillar_name_vi": pillars[i.pillar].name_vi if i.pillar else None,
                "unit": i.unit,
                "unit_symbol": methodology.units[i.unit].symbol,
                "direction": i.direction,
                "kind": i.kind,
                "valid_from": i.valid_from,
                "valid_to": i.valid_to,
                "domain_min": i.domain[0],
                "domain_max": i.domain[1],
                "goalpost_lower": i.goalposts[0],
                "goalpost_upper": i.goalposts[1],
                "reported": i.reported,
                "national_target_2025_comparator": t25.comparator if t25 else None,
                "national_target_2025": t25.value if t25 else None,
                "national_target_2030_comparator": t30.comparator if t30 else None,
                "national_target_2030": t30.value if t30 else None,
                "methodology_version": methodology.version,
                "source": f"methodology/{methodology.name}.yaml ({methodology.version})"
                + ("; national targets: reference/national_targets.csv (749/QĐ-TTg, 411/QĐ-TTg)" if t25 or t30 else ""),
            }
        )
    return pl.DataFrame(rows).with_columns(pl.col("valid_from", "valid_to").cast(pl.Int32))


def national_targets() -> pl.DataFrame:
    return pl.DataFrame(
        [
            {
                "indicator": r["indicator"],
                "pillar": r["pillar"],
                "horizon_year": int(r["target_year"]),
                "comparator": COMPARATORS[r["comparator"]],
                "value": float(r["value"]),
                "unit": r["unit"],
                "document": r["document"],
                "description_vi": r["description_vi"],
                "source": r["source"],
            }
            for r in _csv("national_targets.csv")
        ]
    ).with_columns(pl.col("horizon_year").cast(pl.Int32))


def documents() -> pl.DataFrame:
    rows = []
    for r in _csv("documents.csv"):
        text = (REFERENCE_DIR / "documents" / r["file"]).read_bytes()
        rows.append(
            {**{k: _none(v) for k, v in r.items()}, "sha256": sha256(text), "source": f"shared/documents/{r['file']}"}
        )
    return pl.DataFrame(rows).with_columns(pl.col("issued").str.to_date())


REGISTRY_SCHEMA = {
    "target_id": pl.String,
    "province": pl.String,
    "unit_set": pl.String,
    "province_code": pl.String,
    "document_id": pl.String,
    "document": pl.String,
    "indicator": pl.String,
    "target_type": pl.String,
    "horizon_year": pl.Int32,
    "period_start_year": pl.Int32,
    "comparator": pl.String,
    "value": pl.Float64,
    "value_text": pl.String,
    "unit": pl.String,
    "quote_vi": pl.String,
    "note": pl.String,
    "source": pl.String,
}


def target_registry(register: ProvinceRegister, methodology: Methodology) -> pl.DataFrame:
    """Every quantified provincial target: the five documents (with quotes), the other provinces'
    targets from shared/reference, and the supplement. Targets belong to the unit that set them: all
    were set before the merger, so they are keyed to the 63 former units."""
    docs = {r["document_id"]: r for r in _csv("documents.csv")}
    rows = []
    for r in _csv("target_registry.csv"):
        doc = docs[r["document_id"]]
        rows.append(
            {
                **{k: _none(v) for k, v in r.items()},
                "document": f"{doc['issuer_document']} — {doc['province']}",
                "source": f"shared/documents/{doc['file']}",
            }
        )
    for n, r in enumerate(_csv("other_province_targets.csv"), start=1):
        rows.append(
            {
                "target_id": f"OTHER-{n:02d}",
                "province": r["province"],
                "document_id": None,
                "document": r["document"],
                "indicator": r["indicator"],
                "target_type": "rank" if r["unit"] == "rank" else "absolute",
                "horizon_year": _none(r["target_year"]),
                "period_start_year": None,
                "comparator": r["comparator"],
                "value": r["value"],
                "value_text": None,
                "unit": r["unit"],
                "quote_vi": None,
                "note": _none(r["note"]),
                "source": r["source"] if r["source"] != "same" else None,
            }
        )
    for r in _csv("target_registry_supplement.csv"):
        rows.append(
            {
                **{k: _none(v) for k, v in r.items()},
                "document_id": None,
                "period_start_year": None,
                "value": None,
                "unit": None,
                "quote_vi": None,
            }
        )
    last_url: str | None = None
    for row in rows:  # "same" in other_province_targets.csv means the source of the row above
        if row["target_id"].startswith("OTHER-"):
            row["source"] = row["source"] or last_url
            last_url = row["source"]
        resolved = register.resolve(row["province"], MERGER_YEAR - 1)
        if resolved.unit is None:
            raise ValueError(f"target {row['target_id']}: {resolved.error}")
        if row["indicator"] != "*" and row["indicator"] not in methodology.known_subjects:
            raise ValueError(
                f"target {row['target_id']}: indicator {row['indicator']!r} is neither in the catalogue nor a target subject"
            )
        row.update(unit_set="63", province_code=resolved.unit.code, comparator=COMPARATORS[row["comparator"]])
        row["value"] = _num(row["value"])
        for key in ("horizon_year", "period_start_year"):
            row[key] = int(row[key]) if row[key] not in (None, "") else None
    return pl.DataFrame(rows, schema=REGISTRY_SCHEMA)


def published_scores(register: ProvinceRegister) -> pl.DataFrame:
    """Official DTI results as published (partial), province names resolved to the 63 former units."""
    rows = []
    for r in _csv("dti_published_scores.csv"):
        unit = register.resolve(r["province"], int(r["year"])).unit
        rows.append(
            {
                "year": int(r["year"]),
                "province": r["province"],
                "unit_set": "63",
                "province_code": unit.code,
                "dti": _num(r["dti"]),
                "rank": int(r["rank"]) if r["rank"] else None,
                "pillar_government": _num(r["pillar_government"]),
                "pillar_economy": _num(r["pillar_economy"]),
                "pillar_society": _num(r["pillar_society"]),
                "status": r["status"],
                "source": r["source"],
                "list": "scores",
            }
        )
    for r in _csv("dti_rank_2022.csv"):
        unit = register.resolve(r["province"], int(r["year"])).unit
        rows.append(
            {
                "year": int(r["year"]),
                "province": r["province"],
                "unit_set": "63",
                "province_code": unit.code,
                "dti": None,
                "rank": int(r["rank"]),
                "pillar_government": None,
                "pillar_economy": None,
                "pillar_society": None,
                "status": "verified",
                "source": r["source"],
                "list": "full rank list 2022",
            }
        )
    return pl.DataFrame(rows).with_columns(pl.col("year", "rank").cast(pl.Int32))


def digital_economy_share(register: ProvinceRegister) -> pl.DataFrame:
    """Digital economy % of GRDP as published, with its series: the ministry's and GSO's differ widely."""
    rows = []
    for r in _csv("digital_economy_share.csv"):
        national = r["province"] == "national"
        unit = None if national else register.resolve(r["province"], int(r["year"])).unit
        rows.append(
            {
                "year": int(r["year"]),
                "province": r["province"],
                "unit_set": None if national else "63",
                "province_code": unit.code if unit else None,
                "value_pct": float(r["digital_economy_grdp_pct"]),
                "series": r["series"],
                "note": _none(r["note"]),
                "source": r["source"],
            }
        )
    frame = pl.DataFrame(rows).with_columns(pl.col("year").cast(pl.Int32))
    return frame.with_columns(
        pl.when(pl.col("source") == "same").then(None).otherwise(pl.col("source")).alias("source")
    ).with_columns(pl.col("source").forward_fill())


# The words are the project's own, defined in its catalog.
CATALOG_SOURCE = "sources/catalog/catalog.yaml (this project's data dictionary)"


def vocabularies() -> pl.DataFrame:
    """The values people read (value status, series, target status...) and what each means, from the
    catalog (sources/catalog/catalog.yaml): the warehouse words a status in Vietnamese from here."""
    rows = [
        {"vocabulary": vocabulary, "value": value, "vi": text.vi, "en": text.en, "source": CATALOG_SOURCE}
        for vocabulary, values in catalog().vocabularies.items()
        for value, text in values.items()
    ]
    return pl.DataFrame(
        rows, schema={"vocabulary": pl.Utf8, "value": pl.Utf8, "vi": pl.Utf8, "en": pl.Utf8, "source": pl.Utf8}
    )


# Table name -> how it is built. What each table and column means: sources/catalog/catalog.yaml.
REFERENCE_TABLES: dict[str, Callable[[ProvinceRegister, Methodology], pl.DataFrame]] = {
    "provinces": lambda r, m: provinces(r),
    "province_names": lambda r, m: province_names(r),
    "province_crosswalk": lambda r, m: crosswalk(r),
    "population": lambda r, m: population(r),
    "indicators": lambda r, m: indicators(m),
    "national_targets": lambda r, m: national_targets(),
    "target_registry": target_registry,
    "documents": lambda r, m: documents(),
    "dti_published": lambda r, m: published_scores(r),
    "digital_economy_share": lambda r, m: digital_economy_share(r),
    "vocabularies": lambda r, m: vocabularies(),
}


def reference_tables(register: ProvinceRegister, methodology: Methodology) -> dict[str, pl.DataFrame]:
    """Every table of the reference schema, by table name."""
    return {name: build(register, methodology) for name, build in REFERENCE_TABLES.items()}
