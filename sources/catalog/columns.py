"""What every warehouse column means. Written as column comments on every load, so analysts read them
with `SELECT column_name, comment FROM duckdb_columns()` or in any SQL client."""

from __future__ import annotations

COMMON = {
    "source": "Where this row's fact comes from: a URL, a file of shared/reference, or a source document.",
    "unit_set": "Which set of provincial units the code belongs to: '63' (until 30/06/2025) or '34' (from 01/07/2025).",
    "province_code": "GSO province code within unit_set (24 is Bắc Giang in 63, Bắc Ninh in 34).",
    "province_name": "Official name of the unit in its unit set, with diacritics.",
    "province": "Province name as written in the source.",
    "code": "GSO code of the unit within unit_set.",
    "name": "Official name of the unit, with diacritics.",
    "reporting_year": "The year the figures describe (partition key). NULL for a file whose year could not be read.",
    "file_sha256": "SHA-256 of the file as received; the archive keeps it at raw/archive/<first two>/<sha256>.",
    "file_name": "Name of the file in the inbox when it was first received.",
    "received_at": "When the pipeline first saw the file in the inbox (UTC; never the file's own modification time).",
    "sheet": "Excel sheet the row came from (NULL for CSV).",
    "row_number": "Row as shown in Excel or a text editor (the CSV header is row 1).",
    "note": "Free-text note or reading explained.",
    "year": "Year the published figure refers to.",
    "indicator": "Indicator code (catalogue) or target subject code (e.g. dti_rank).",
    "pillar": "government (chính quyền số), economy (kinh tế số) or society (xã hội số).",
    "unit": "Unit of measure: percent, percent_per_year, count, per_1000_people, rank.",
    "comparator": "How the actual value must compare with the target: >, ≥, ≈, ≤ (rank: lower is better), =.",
    "value": "The value.",
    "horizon_year": "Year by which the target is to be reached.",
    "document": "The resolution, plan or decision that sets the target.",
    "valid_from": "First day or year in force.",
    "valid_to": "Last day or year in force (NULL: still in force).",
}

# Columns shared by the tables of one schema.
SCHEMA_COMMON = {
    "marts": {
        "series": "as_reported: the units in force that year (63 up to 2024, 34 from 2025); restated_34: every year "
                  "on the 34 current units (former units merged by the methodology's rules).",
        "indicator_code": "Indicator code of the methodology's catalogue.",
        "value_status": "reported, derived (computed from other figures), restated (merged former units), "
                        "imputed_carry_forward (the province's last earlier value) or missing.",
        "traced_to": "Where the value comes from: file [sheet] and row, or the rule that produced it.",
        "is_synthetic": "True when the figures behind this row are SYNTHETIC demo data, not official figures.",
        "methodology_version": "Version of the methodology file that produced this row.",
        "score": "Score from 0 (worst) to 1 (best) (z-score normalisation: standard deviations from the mean).",
        "scored": "False when too few components were reported to compute a score (see not_scored_reason).",
        "not_scored_reason": "Why no score was computed: components reported versus the minimum share required.",
        "children_expected": "Components (indicators or pillars) valid that year.",
        "children_reported": "Components with a reported (or derived, restated) value.",
        "children_imputed": "Missing components filled with the mean of the others (imputation pillar_mean).",
        "coverage": "children_reported / children_expected.",
        "aggregation": "arithmetic or geometric weighted mean.",
        "observed": "True when the value was reported (or derived, restated), false when missing or imputed.",
        "imputed_from_year": "For a carried-forward value: the year it was reported.",
        "normalisation": "goalposts (distance to target), minmax, zscore or rank.",
        "value": "The indicator's value in its unit.",
    },
}

PER_TABLE = {
    "raw.submission_files": {
        "also_received_as": "Other names the same bytes arrived under (one submission), separated by '; '.",
        "format": "csv or xlsx, from the content (a zip signature) or the file suffix.",
        "size_bytes": "Size of the file as received.",
        "archived_path": "Path of the archived copy, relative to the data home.",
        "declared_province": "Province named in the workbook's header cell (Excel only).",
        "is_synthetic": "True when the file says its data is synthetic (demo data).",
        "row_count": "Data rows read from the file.",
        "status": "read; rejected when the file as a whole could not be read or was refused; withdrawn by an operator.",
        "problem_rule": "Why the file was rejected: a file rule of sources/intake/rules.yaml (encoding, missing_column, "
                        "unsupported_format, file_too_large, sheet_too_large, unsafe_xml, refused_file, year_out_of_range, …).",
        "arrival": "Arrival order: 1 for the first file the pipeline ever received; a later file has a larger number.",
        "withdrawn_reason": "Why an operator withdrew the file (`dti withdraw`); empty when it is in force.",
        "problem_message": "What was wrong, in words.",
        "problem_expected": "What was expected instead.",
        "problem_row": "Row (or line) where the problem is.",
        "problem_column": "Column (or header cell) where the problem is.",
        "problem_value": "The offending value or bytes (hex for encoding problems).",
    },
    "raw.submissions": {
        "province_raw": "Province exactly as written.", "year_raw": "Year exactly as written.",
        "indicator_raw": "Indicator code or name exactly as written.",
        "value_raw": "Value exactly as written; for a numeric Excel cell, the cell's number.",
        "unit_raw": "Unit as written.", "note_raw": "Note as written.", "data_origin_raw": "Data origin as written (SYNTHETIC for demo data).",
        "value_is_number": "True when the value was a numeric Excel cell rather than text.",
        "value_format": "Excel number format of the value cell (a % format means the cell holds a fraction).",
        "column_map": "JSON: which column each field came from, e.g. {\"value\": \"D (gia_tri)\"}.",
        "read_problem": "JSON: a problem with the row's structure (e.g. wrong number of fields), else NULL.",
    },
    "staging.figures": {
        "flags": "Warnings on a value that is kept and published (a WARN rule of sources/intake/rules.yaml), '; '-separated.",
        "indicator_code": "Catalogue code of the indicator (reference.indicators.code).",
        "value": "The value as a number, in the indicator's unit (percent as 0–100).",
        "unit": "The indicator's unit in the catalogue.",
        "note": "The province's note on the value.",
        "is_synthetic": "True for SYNTHETIC demo data: never an official figure.",
        "value_raw": "The value as written, for tracing.",
    },
    "staging.figure_flags": {
        "indicator_code": "Catalogue code of the indicator.", "value": "The value that counts and is published with the flag.",
        "previous_value": "The province's value the previous year (same unit set).",
        "change": "value - previous_value (for counts: in percent of previous_value).",
        "change_z": "Robust z-score of the change among all provinces' changes of the indicator that year.",
        "own_largest_change": "Largest change the province reported before for this indicator.",
        "rule": "implausible_change, out_of_domain (kept because the rule is WARN) or superseded_by_later_file.",
        "severity": "Severity of the rule in sources/intake/rules.yaml.", "message": "What was flagged, in English.",
        "message_vi": "What was flagged, in Vietnamese.", "row_number": "Row of the file the value came from.",
    },
    "staging.rejected_rows": {
        "severity": "ERROR: the row or file is not used; WARN: an earlier or repeated row, kept here, while the value that counts is flagged.",
        "message_vi": "What is wrong, in Vietnamese (for province officers).",
        "column_name": "Column the problem is in, as the reader saw it (e.g. 'D (value)', 'C3 (Tỉnh/Thành phố:)').",
        "value": "The offending value as written.",
        "rule": "The rule broken (encoding, unknown_province, retired_province, unknown_indicator, unreadable_number, "
                "unit_mismatch, out_of_domain, year_mismatch, duplicate_row, superseded_by_later_file, …).",
        "message": "What is wrong, in words, naming the value.",
        "expected": "What would have been accepted.",
        "province_raw": "Province as written on the rejected row.",
        "indicator_raw": "Indicator as written on the rejected row.",
    },
    "reference.provinces": {
        "kind": "city (thành phố trực thuộc trung ương) or province (tỉnh).",
        "first_reporting_year": "First reporting year reported by this unit (NULL: from the start).",
        "last_reporting_year": "Last reporting year reported by this unit (NULL: still reporting).",
        "merged_from": "For the 34 units: the former GSO codes merged into it, joined by '+'.",
        "area_km2": "Area in km² where found.",
    },
    "reference.province_names": {
        "variant": "One way the name is written.",
        "variant_kind": "official, without prefix, with prefix, other tone placement, without diacritics, alias.",
        "match_key": "The key submissions are matched on: no diacritics, no punctuation, no administrative prefix.",
    },
    "reference.province_crosswalk": {
        "old_code": "GSO code of the former unit (unit set 63).", "old_name": "Name of the former unit.",
        "new_code": "Code of the unit it became part of (unit set 34).", "new_name": "Name of that unit.",
        "old_population_2022_thousand": "GSO average population 2022 of the former unit, thousand.",
        "population_share_in_new": "Its share of the new unit's 2022 population (shares of one new unit sum to 1).",
        "effective_date": "Date the merger took effect.",
    },
    "reference.population": {
        "population_thousand": "Population, thousand people, on the row's basis.",
        "basis": "Population basis: never mix two bases in one weight.",
        "reference_date": "Date the population refers to.",
    },
    "reference.indicators": {
        "code": "Indicator code used in submissions and the warehouse.",
        "name_vi": "Name in Vietnamese.", "name_en": "Name in English.",
        "pillar_name_vi": "Pillar name in Vietnamese.", "unit_symbol": "Unit as shown to people.",
        "direction": "positive: higher is better; negative: lower is better.",
        "kind": "share, count or rate: how values combine when units merge.",
        "valid_from": "First reporting year the indicator exists.",
        "valid_to": "Last reporting year (district-level indicators end in 2024 with the reform); NULL: still valid.",
        "domain_min": "Lowest possible value.", "domain_max": "Highest possible value.",
        "goalpost_lower": "Lower goalpost for normalisation.", "goalpost_upper": "Upper goalpost (target) for normalisation.",
        "reported": "True if provinces report it; false if the pipeline derives it.",
        "national_target_2025_comparator": "Comparator of the national 2025 target.",
        "national_target_2025": "National 2025 target (749/QĐ-TTg, 411/QĐ-TTg).",
        "national_target_2030_comparator": "Comparator of the national 2030 target.",
        "national_target_2030": "National 2030 target.",
        "methodology_version": "Version of the methodology file this catalogue comes from.",
    },
    "reference.national_targets": {"description_vi": "The target as the decision words it, in Vietnamese."},
    "reference.target_registry": {
        "target_id": "Stable identifier of the target (document prefix and number, or OTHER-nn).",
        "province": "Province that set the target, as written in the source.",
        "unit_set": "Always '63': every target was set by a former unit, before the merger.",
        "document_id": "Source document (reference.documents) for targets quoted from the five articles.",
        "target_type": "absolute, rank (≤ n: lower is better), relative (vs the national mean), tier, period_average.",
        "period_start_year": "For a period average: the first year of the period.",
        "value": "Target value in its unit (NULL for relative and tier targets).",
        "value_text": "Target that is not a number: national_mean (relative) or the tier (e.g. khá).",
        "quote_vi": "The target's words in the source document, verbatim.",
    },
    "reference.documents": {
        "document_id": "Identifier used by the target registry.", "file": "File name in sources/reference/documents.",
        "issuer_document": "The resolution and its issuer.", "issued": "Date the resolution was issued, where known.",
        "title": "Title of the article.", "kind": "What the document is.", "sha256": "SHA-256 of the document text.",
    },
    "reference.dti_published": {
        "dti": "Official DTI score (0–1), 4 decimals.", "rank": "Official rank among the 63 units.",
        "pillar_government": "Official digital-government pillar score.", "pillar_economy": "Official digital-economy pillar score.",
        "pillar_society": "Official digital-society pillar score.", "status": "How the figure was verified.",
        "list": "Which published list the row comes from.",
    },
    "marts.indicator_values": {"flags": "WARN flags on the value (implausible change, value kept out of range, file sent twice), '; '-separated; NULL when none.",
                               "unit": "Unit of measure of the indicator (percent, percent_per_year, count, per_1000_people, score)."},
    "marts.pillar_scores": {"pillar": "Pillar code: government (chính quyền số), economy (kinh tế số), society (xã hội số).",
                            "pillar_name_vi": "Pillar name in Vietnamese.", "pillar_name_en": "Pillar name in English."},
    "marts.province_rankings": {
        "ranking": "What is ranked: index, or a pillar code (government, economy, society).",
        "score_rounded": "Score rounded to the methodology's score_decimals (4): the ranking is on this value.",
        "rank": "Standard competition rank (1 = best): equal rounded scores share a rank, the next rank is skipped.",
        "units_ranked": "How many units were ranked in this series, year and ranking.",
        "previous_rank": "Rank in the previous year, on the same units.",
        "previous_rank_series": "Series of previous_rank: the same, or restated_34 when the units changed (2025).",
        "rank_change": "previous_rank - rank: positive = moved up.",
    },
    "marts.indicator_contributions": {
        "effective_weight": "Weight of the indicator in the index: normalised weights multiplied along the framework, "
                            "renormalised over the components the province has.",
        "contribution": "effective_weight x score: the points this indicator adds to the index score.",
        "share_of_index": "contribution / index score.",
        "exact_decomposition": "True when every aggregation on the way is arithmetic, so contributions add up to the index score.",
    },
    "marts.framework_weights": {
        "parent": "The node (index or pillar) aggregated.", "child": "An indicator or node feeding it.",
        "weight": "Weight as written in the methodology file.", "weight_normalised": "Weight divided by the sum of the parent's weights.",
        "child_is_indicator": "True for an indicator, false for a node.", "min_share": "Share of children needed to score the parent.",
        "direction": "positive (higher is better) or negative.", "goalpost_worst": "Value scored 0 (goalposts normalisation).",
        "goalpost_best": "Value scored 1: the target (goalposts normalisation).",
    },
    "marts.rank_uncertainty": {
        "rank": "The published rank (the methodology's own choices).",
        "median_rank": "Median rank over the Monte Carlo samples.",
        "rank_p05": "Low end of the rank interval: the 5th percentile of the sampled ranks (the interval of the methodology's uncertainty section).",
        "rank_p95": "High end of the rank interval: the 95th percentile of the sampled ranks.",
        "interval_width": "rank_p95 - rank_p05: 0 means no plausible choice of the methodology moves the rank.",
        "tie_group": "Provinces whose rank intervals overlap, chained in order of median rank, share a group: statistically tied.",
        "tied_with": "Provinces whose rank interval overlaps this one's, '; '-separated.",
        "most_influential_choice": "The choice that alone moves this rank the most: weights, normalisation, aggregation or imputation (NULL: none moves it).",
        "shift_weights": "Places the rank moves under the weights alone (±perturbation, the ends of the interval of 1,000 draws).",
        "shift_normalisation": "Places the rank moves under the normalisation alternatives alone (largest move).",
        "shift_aggregation": "Places the rank moves under the aggregation alternatives alone (largest move).",
        "shift_imputation": "Places the rank moves with imputation on or off alone (largest move).",
        "samples": "Monte Carlo samples drawn.", "seed": "Seed of the random generator: the same seed gives the same intervals.",
    },
    "marts.target_gaps": {
        "target_id": "Registry target id (TNI-01:<indicator> for a target on every indicator) or national:<indicator>:<year>.",
        "target_source": "resolution (the province's own target) or national (749/QĐ-TTg, 411/QĐ-TTg: the province set none).",
        "document_id": "Source document of the target.", "quote_vi": "The target's words in the source, verbatim.",
        "subject": "Indicator code, or a target subject (dti_rank, dti_government_rank, dti_tier, ...).",
        "target_type": "absolute, rank (≤ n), relative (vs the national mean), tier, period_average.",
        "period_start_year": "First year of the period for a period average.",
        "target_value": "The target in the indicator's unit (relative targets: the national mean of actual_year).",
        "target_value_text": "A target that is not a number (national_mean, a tier).",
        "actual_value": "Latest value (rank targets: the rank in this index).", "actual_year": "Year of actual_value.",
        "actual_basis": "own figures; restated (a current unit before 2025: its former units merged); successor "
                        "(a former unit after the merger: the unit it became part of, named in actual_province_name).",
        "actual_unit_set": "Unit set of actual_value's unit.", "actual_province_name": "The unit whose figure actual_value is.",
        "period_average": "For a period average: the mean of the period's years so far.",
        "official_rank": "Latest official published DTI rank (reference.dti_published), for rank targets.",
        "official_rank_year": "Year of official_rank.",
        "baseline_value": "First value on record (in the period, for a period average).", "baseline_year": "Year of baseline_value.",
        "gap": "How far the latest value is from meeting the target, in its unit: > 0 still to go, ≤ 0 met.",
        "share_covered": "Share of the way from the baseline to the target covered by the latest value.",
        "observed_pace": "Yearly change since the baseline year.",
        "required_pace": "Yearly change still needed to reach the target by the horizon (period average: the average "
                         "needed over the remaining years).",
        "pace_ratio": "observed_pace / required_pace (period average: average so far / average needed).",
        "status": "target met, on track, acceleration needed, limited progress, deterioration, no data (thresholds: "
                  "gap_status of the methodology file).",
        "status_vi": "The status in Vietnamese.", "status_reason": "Why this status, in words.",
    },
    "reference.digital_economy_share": {
        "value_pct": "Digital economy as % of GRDP (GDP for the national row).",
        "series": "Which series: the ministry's report or GSO's official series (never mix them).",
    },
}


def column_doc(table: str, column: str) -> str | None:
    """The description of `column` in `table` ("schema.table")."""
    schema = table.split(".")[0]
    return PER_TABLE.get(table, {}).get(column) or SCHEMA_COMMON.get(schema, {}).get(column) or COMMON.get(column)


TABLE_DOCS = {
    "marts.indicator_values": (
        "The value of every indicator, province and year the index uses, as reported (63 units up to 2024, 34 "
        "from 2025) and restated on the 34 current units for every year; derived indicators computed here. "
        "Every value traced to its file and row or to the rule that produced it."),
    "marts.indicator_scores": (
        "Every indicator of every province and year normalised to 0-1 by the methodology file; a value not "
        "reported stays missing (never zero-filled) unless the methodology imputes it, which is flagged."),
    "marts.pillar_scores": (
        "Score of each pillar (chính quyền số, kinh tế số, xã hội số) per province and year, with how many "
        "components were reported and, when not scored, why."),
    "marts.index_scores": "The index score per province and year, with coverage and, when not scored, why.",
    "marts.province_rankings": (
        "Ranks on the index and on each pillar: standard competition ranking on the score rounded to 4 "
        "decimals (ties share a rank, the next is skipped), and the change since the previous year."),
    "marts.indicator_contributions": (
        "How much each indicator adds to its province's index score: effective weight along the framework "
        "times the indicator score."),
    "marts.rank_uncertainty": (
        "How sure each rank is: a Monte Carlo over the methodology's choices (weights perturbed within each "
        "parent, normalisation, aggregation and imputation drawn from the alternatives the methodology lists) "
        "gives per province and year the median rank, the 5th-95th percentile interval, the provinces it is "
        "statistically tied with and the choice that moves its rank most. As-reported series."),
    "marts.framework_weights": "The methodology's framework as used: every edge with its weight, normalised weight and methods.",
    "marts.target_gaps": (
        "Each province's distance to its targets (its resolution's, else the national ones) by 2025 and 2030: "
        "latest value, gap, share of the way covered, pace required against pace observed, and a status."),
}
