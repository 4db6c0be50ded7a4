import csv

import polars as pl
import pytest

from sources.reference.provinces import REFERENCE_DIR
from sources.reference.tables import reference_tables


@pytest.fixture(scope="module")
def tables(register, methodology):
    return reference_tables(register, methodology)


def test_every_row_keeps_its_source(tables):
    for name, frame in tables.items():
        assert "source" in frame.columns, name
        assert frame["source"].null_count() == 0, name


def test_registry_quotes_are_verbatim(tables):
    registry = tables["target_registry"]
    documents = {
        r["document_id"]: (REFERENCE_DIR / "documents" / r["file"]).read_text(encoding="utf-8")
        for r in tables["documents"].iter_rows(named=True)
    }
    quoted = registry.filter(pl.col("document_id").is_not_null())
    assert quoted.height >= 55
    for row in quoted.iter_rows(named=True):
        assert row["quote_vi"] and row["quote_vi"] in documents[row["document_id"]], row["target_id"]


@pytest.mark.parametrize(
    ("province", "expected"), [("Thái Nguyên", 16), ("Bắc Giang", 19), ("Tây Ninh", 4), ("Thanh Hóa", 22)]
)
def test_registry_holds_each_documents_targets(tables, province, expected):
    registry = tables["target_registry"].filter(pl.col("document_id").is_not_null() & (pl.col("province") == province))
    assert registry.height == expected


@pytest.mark.parametrize(
    ("target_id", "indicator", "horizon", "comparator", "value"),
    [
        ("TN-01", "dti_rank", 2025, "≤", 15.0),  # "nhóm 15 tỉnh, thành phố dẫn đầu"
        ("TN-09", "digital_economy_grdp_pct", 2025, ">", 20.0),  # "trên 20% GRDP"
        ("TN-10", "digital_economy_sector_min_pct", 2025, "≥", 10.0),  # "tối thiểu 10%"
        ("BG-17", "digital_economy_grdp_pct", 2030, "≈", 35.0),  # "khoảng 35%"
        ("BG-09", "labour_productivity_growth_pct", 2021, ">", 12.5),  # "trên 12,5%"
        ("TH-09", "digital_economy_grdp_pct", 2025, "≥", 20.0),  # "20% trở lên"
        ("TH-03", "dti_government_rank", 2030, "≤", 5.0),
    ],
)
def test_registry_reads_comparators_as_written(tables, target_id, indicator, horizon, comparator, value):
    row = tables["target_registry"].filter(pl.col("target_id") == target_id).row(0, named=True)
    assert (row["indicator"], row["horizon_year"], row["comparator"], row["value"]) == (
        indicator,
        horizon,
        comparator,
        value,
    )


def test_relative_tier_and_period_targets_are_typed(tables):
    registry = tables["target_registry"]
    relative = registry.filter(pl.col("target_type") == "relative")
    assert set(relative["province"]) == {"Tây Ninh", "Tiền Giang"}
    assert set(relative["value_text"]) == {"national_mean"}
    tier = registry.filter(pl.col("target_type") == "tier").row(0, named=True)
    assert (tier["province"], tier["value_text"], tier["horizon_year"]) == ("Tây Ninh", "khá", 2030)
    period = registry.filter(pl.col("target_type") == "period_average")
    assert sorted(zip(period["period_start_year"], period["horizon_year"], period["value"])) == [
        (2021, 2025, 9.6),
        (2026, 2030, 8.1),
    ]


def test_registry_includes_every_other_province_target(tables):
    with (REFERENCE_DIR / "other_province_targets.csv").open(encoding="utf-8") as handle:
        expected = list(csv.DictReader(handle))
    others = tables["target_registry"].filter(pl.col("target_id").str.starts_with("OTHER-"))
    assert others.height == len(expected)
    assert others["source"].str.starts_with("http").all()  # "same" resolved to the row above's source
    assert set(others["province_code"]) == {"22", "48", "20", "27", "82", "77"}


def test_registry_targets_belong_to_the_unit_that_set_them(tables):
    registry = tables["target_registry"]
    assert set(registry["unit_set"]) == {"63"}
    bac_giang = registry.filter(pl.col("province") == "Bắc Giang")
    assert set(bac_giang["province_code"]) == {"24"}  # old Bắc Giang, not new Bắc Ninh (also 24, other set)


def test_crosswalk_population_shares_sum_to_one(tables):
    shares = (
        tables["province_crosswalk"].group_by("new_code").agg(pl.col("population_share_in_new").sum().alias("total"))
    )
    assert shares.height == 34
    assert shares["total"].min() == pytest.approx(1.0) and shares["total"].max() == pytest.approx(1.0)


def test_population_bases_are_kept_apart(tables):
    population = tables["population"]
    assert population.group_by("unit_set").agg(pl.col("basis").n_unique())["basis"].to_list() == [1, 1]
    assert population.filter(pl.col("unit_set") == "63")["population_thousand"].sum() == pytest.approx(99_472, rel=0.01)


def test_published_scores_resolve_every_province(tables):
    published = tables["dti_published"]
    assert published["province_code"].null_count() == 0
    assert published.filter(pl.col("list") == "full rank list 2022").height == 63
