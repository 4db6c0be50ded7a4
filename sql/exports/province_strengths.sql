-- Each unit's strengths and weaknesses this reporting year (the indicators it ranks far above or below its
-- index rank) and each pillar with its compound annual growth, in the series with the most years on the
-- year's units (for the 34 current units: every year restated on them, so the growth reaches back).
WITH year_set AS (
    SELECT any_value(unit_set) AS unit_set FROM marts.index_scores
    WHERE series = 'as_reported' AND reporting_year = $year
),
longest AS (
    SELECT s.series FROM marts.province_strengths AS s JOIN year_set USING (unit_set)
    GROUP BY s.series ORDER BY count(DISTINCT s.reporting_year) DESC, s.series LIMIT 1
)
SELECT s.series, s.unit_set, s.reporting_year, s.province_code, s.province_name, s.component_type,
       s.component_code, s.score AS component_score, s.component_rank, s.index_rank, s.units, s.rank_difference,
       s.assessment, s.growth_base_year, s.annual_growth, s.is_synthetic, s.methodology_version
FROM marts.province_strengths AS s
JOIN year_set USING (unit_set)
JOIN longest USING (series)
WHERE s.reporting_year = $year
ORDER BY s.province_name, s.component_type DESC, s.rank_difference DESC, s.component_code
