-- Why a province's index score and rank moved from the year before to this reporting year: the change split
-- into one part per indicator (its value, weight and methodology parts, and their sum), which with the
-- non-additive part add up to the change; and who it overtook and who overtook it. The pair is compared on
-- one set of units: as reported where both years have the same units, else both restated on the 34 current
-- units (2024 → 2025, across the merger).
WITH pair AS (
    SELECT CASE WHEN count(*) FILTER (WHERE series = 'as_reported') > 0 THEN 'as_reported' ELSE 'restated_34' END
           AS series
    FROM marts.score_change_attribution WHERE to_year = $year
)
SELECT a.series, a.unit_set, a.from_year, a.to_year, a.province_code, a.province_name, a.indicator_code,
       i.name_vi AS indicator_name_vi, i.name_en AS indicator_name_en, i.pillar, a.coverage, a.score_from,
       a.score_to, a.weight_from, a.weight_to, a.value_part, a.weight_part, a.methodology_part,
       a.value_part + a.weight_part + a.methodology_part AS indicator_part, a.index_from, a.index_to,
       a.index_change, a.non_additive_part, a.rank_from, a.rank_to, a.overtook, a.overtaken_by, a.is_synthetic,
       a.methodology_version
FROM marts.score_change_attribution AS a
JOIN pair USING (series)
LEFT JOIN reference.indicators AS i ON i.code = a.indicator_code
WHERE a.to_year = $year AND a.coverage <> 'absent'
ORDER BY a.province_name, abs(a.value_part + a.weight_part + a.methodology_part) DESC, a.indicator_code
