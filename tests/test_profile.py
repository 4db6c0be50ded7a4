"""Strengths, weaknesses and pillar trends (sources/index/profile.py) on SYNTHETIC values scored by the
engine: an indicator far from the index rank is flagged, one close to it is not, and a pillar's growth is
its compound annual growth. And a province's profile (sources/release/profiles.py) saying, from the
release's own tables, why its rank changed, what it takes to reach its targets and where it is strong."""

import re

import duckdb
import polars as pl
import pytest

from sources.index.engine import score_values
from sources.index.profile import province_strengths
from sources.release.profiles import profile_page, subject_names, target_rows
from sources.release.releases import YEAR_TABLES, releases


def test_strengths_weaknesses_and_pillar_growth(methodology):
    leaves = [leaf for leaf in methodology.leaves if leaf.valid_in(2025)]
    odd = next(leaf for leaf in leaves if leaf.pillar == "economy")
    rows = []
    for year, lift in ((2023, 0.0), (2025, 0.1)):
        for u in range(9):  # U0 best ... U8 worst on every indicator but `odd`, where the order is reversed
            for leaf in leaves:
                share = (u if leaf is odd else 8 - u) / 10 + lift
                worst, best = leaf.goalposts
                rows.append(
                    {
                        "unit": f"U{u}",
                        "reporting_year": year,
                        "indicator_code": leaf.code,
                        "value": worst + share * (best - worst),
                    }
                )
    marts = score_values(pl.DataFrame(rows), methodology)
    con = duckdb.connect()
    con.execute("CREATE SCHEMA marts")
    for name in ("indicator_contributions", "province_rankings"):
        frame = marts[name].with_columns(pl.lit("9").alias("unit_set"))  # the warehouse's marts name their unit set
        if name == "province_rankings":
            frame = frame.with_columns(pl.lit(True).alias("is_synthetic"))
        con.register("frame", frame.to_arrow())
        con.execute(f"CREATE TABLE marts.{name} AS SELECT * FROM frame")
        con.unregister("frame")
    table = province_strengths(con, methodology)
    flagged = table.filter((pl.col("component_type") == "indicator") & (pl.col("reporting_year") == 2025))
    assert set(flagged["component_code"]) == {odd.code}
    by_unit = dict(flagged.select("province_code", "assessment").iter_rows())
    assert by_unit["U8"] == "strength" and by_unit["U0"] == "weakness" and "U4" not in by_unit
    assert by_unit == {u: a for u, a in by_unit.items() if abs(int(u[1]) - 4) >= 2}
    pillars = table.filter(pl.col("component_type") == "pillar")
    assert pillars.height == 2 * 9 * len(methodology.pillars)
    row = pillars.filter(
        (pl.col("province_code") == "U0")
        & (pl.col("component_code") == "government")
        & (pl.col("reporting_year") == 2025)
    ).row(0, named=True)
    first = pillars.filter(
        (pl.col("province_code") == "U0")
        & (pl.col("component_code") == "government")
        & (pl.col("reporting_year") == 2023)
    ).row(0, named=True)
    assert row["growth_base_year"] == 2023 and first["annual_growth"] is None
    assert row["annual_growth"] == pytest.approx((row["score"] / first["score"]) ** 0.5 - 1)


def vi_numbers(texts: list[str]) -> list[float]:
    """Numbers as the page writes them (Vietnamese: ',' before decimals, '.' between thousands)."""
    return [float(text.strip().replace(".", "").replace(",", ".")) for text in texts]


def why_section_matches(html: str, attribution: pl.DataFrame) -> None:
    """The section on why the rank changed, as `html` shows it, against the unit's rows of the release's
    score_change_attribution: the change and each named part as the table holds them (the largest up first,
    then the largest down), the other indicators summed, the shown parts adding up to the shown change (to
    the rounding of the shown digits), and who it overtook and who overtook it."""
    section = html[html.index('id="why"') : html.index("</section>", html.index('id="why"'))]
    parts = re.findall(r'<td class="num part">([^<]+)</td>', section)
    change = re.search(r'id="why-change">([^<]+)<', section).group(1)
    first = attribution.row(0, named=True)
    assert vi_numbers([change]) == [round(first["index_change"], 4)]
    assert sum(vi_numbers(parts)) == pytest.approx(vi_numbers([change])[0], abs=0.5e-4 * len(parts))
    ordered = attribution.sort("indicator_part", descending=True)
    top = ordered.row(0, named=True)
    bottom = ordered.row(-1, named=True)
    assert f"▲ {top['indicator_name_vi']}" in section
    assert (f"▼ {bottom['indicator_name_vi']}" in section) == (bottom["indicator_part"] < 0) == ("▼" in section)
    assert vi_numbers(parts[:1]) == [round(top["indicator_part"], 4)]
    named = len(parts) - 1  # the last: the other indicators, summed
    rest = ordered.filter(
        ~pl.col("indicator_code").is_in(
            ordered.filter(pl.col("indicator_part") > 0).head(3)["indicator_code"].to_list()
            + ordered.filter(pl.col("indicator_part") < 0).tail(3)["indicator_code"].to_list()
        )
    )
    assert named == attribution.height - rest.height
    assert vi_numbers(parts[-1:]) == [round(rest["indicator_part"].sum(), 4)]
    assert f"({rest.height})" in section
    for column, element in (("overtook", "overtook"), ("overtaken_by", "overtaken-by")):
        shown = re.search(rf'id="{element}"><strong>[^<]+</strong> ([^<]+)</p>', section).group(1)
        assert shown == (first[column] or "không tỉnh nào")
    assert "_pct" not in section  # names, never codes


def plan_section_matches(html: str, paths: pl.DataFrame) -> None:
    """Each target of the unit's target_paths with both scenarios, the indicators to move in their units and
    the probability of reaching it as the table holds it; the method said."""
    section = html[html.index('id="plans"') : html.index("</section>", html.index('id="plans"'))]
    assert section.count('class="plan"') == paths["target_id"].n_unique() > 0
    assert section.count('class="scenario"') == paths.select("target_id", "scenario").n_unique()
    for row in (
        paths.filter(pl.col("probability_planned").is_not_null())
        .unique("target_id", keep="first")
        .iter_rows(named=True)
    ):
        assert (
            f"{100 * row['probability_planned']:.0f}% theo kế hoạch ({100 * row['probability_now']:.0f}% nếu" in section
        )
    for row in paths.filter(pl.col("step").is_not_null()).iter_rows(named=True):
        assert row["indicator_name_vi"] in section
    assert "Chính xác: tổng hợp trung bình cộng" in section
    assert "others_trend" not in section and "_pct" not in section


def test_thai_nguyens_pdf_profile_says_why_its_rank_changed_and_what_it_takes(published_home, methodology):
    """The page printed to Thái Nguyên's PDF profile, from the release's own tables."""
    (release,) = releases(published_home.exports)
    year = max(release.manifest["reporting_years"])
    by_year = {y: {name: release.table(name, y) for name in YEAR_TABLES} for y in release.manifest["reporting_years"]}
    gaps = {y: frames["target_gaps"] for y, frames in by_year.items()}
    html = profile_page(release.manifest, year, by_year[year], release.table("pillar_history"), gaps, "19", methodology)
    assert 'id="synthetic-banner"' in html
    mine = pl.col("province_code") == "19"
    why_section_matches(html, by_year[year]["score_change_attribution"].filter(mine))
    plan_section_matches(html, by_year[year]["target_paths"].filter(mine))
    section = html[html.index('id="strengths"') : html.index("</section>", html.index('id="strengths"'))]
    strengths = by_year[year]["province_strengths"].filter(mine)
    for row in strengths.filter(pl.col("component_type") == "pillar").iter_rows(named=True):
        growth = f"{100 * row['annual_growth']:+.1f}".replace(".", ",")
        assert f"{growth}% từ {row['growth_base_year']}" in section
    for row in strengths.filter(pl.col("assessment").is_not_null()).iter_rows(named=True):
        assert f"hạng trên chỉ tiêu {row['component_rank']}/{row['units']}" in section


def test_each_target_says_where_the_unit_stands_against_the_straight_path(published_home, methodology):
    """The targets table of Thái Nguyên's 2025 page: beside each gap, how far ahead of or behind the straight
    path from its baseline to the target it is (marts.target_gaps.gap_to_trajectory), in words."""
    (release,) = releases(published_home.exports)
    gaps = {y: release.table("target_gaps", y) for y in release.manifest["reporting_years"]}
    rows = target_rows(gaps, 2025, "34", "19", "vi", subject_names(methodology, "vi"))
    table = gaps[2025].filter((pl.col("unit_set") == "34") & (pl.col("province_code") == "19"))
    ahead = dict(zip(table["target_id"], table["gap_to_trajectory"]))
    assert {row["id"] for row in rows} == set(ahead)
    said = {"vượt lộ trình": 0, "chậm": 0}
    for row in rows:
        value = ahead[row["id"]]
        assert row["path_value"] == value
        if value is None:
            assert row["path"] == ""
        elif row["path"] != "đúng lộ trình":
            word = "vượt lộ trình" if value > 0 else "chậm"
            assert row["path"].startswith(word), (row["id"], value, row["path"])
            said[word] += 1
    assert said["vượt lộ trình"] and said["chậm"], said  # the demo has targets on both sides of their path
