-- marts.indicator_scores: every indicator of every province and year, normalised to 0-1.
--
-- Inputs (prepared by sources/index/engine.py from the methodology file and the data):
--   units_in    (series, unit_set, reporting_year, province_code, province_name) - who is scored
--   values_in   (series, reporting_year, province_code, indicator_code, value, value_status,
--                traced_to, is_synthetic)                                       - what they reported
--   m_leaves    one row per scored indicator: direction, normalisation, goalposts [worst, best], valid years
--   m_settings  one row: methodology version, imputation, geometric floor, score decimals
--   the macros indicator_valid_in and normalised_score (sql/formulas.sql)
--
-- A province that did not report an indicator keeps a row with value_status 'missing' and no score:
-- nothing is zero-filled. With imputation 'carry_forward' the province's last earlier value of the same
-- series is used instead and flagged.
CREATE OR REPLACE TABLE marts.indicator_scores AS
WITH grid AS (
    SELECT u.series, u.unit_set, u.reporting_year, u.province_code, u.province_name,
           l.indicator_code, l.direction, l.normalisation, l.worst, l.best
    FROM units_in AS u
    JOIN m_leaves AS l
      ON indicator_valid_in(u.reporting_year, l.valid_from, l.valid_to)
),
observed AS (
    SELECT g.*, v.value, v.value_status, v.traced_to, v.is_synthetic
    FROM grid AS g
    LEFT JOIN values_in AS v
      ON v.series = g.series
     AND coalesce(v.reporting_year, 0) = coalesce(g.reporting_year, 0)
     AND v.province_code = g.province_code
     AND v.indicator_code = g.indicator_code
),
-- The history is read only when the methodology carries values forward: the window is a sort of every
-- row, so the other branch skips it.
with_history AS (
    SELECT *,
        last_value(value IGNORE NULLS) OVER earlier AS previous_value,
        last_value(CASE WHEN value IS NOT NULL THEN reporting_year END IGNORE NULLS) OVER earlier AS previous_year,
        last_value(CASE WHEN value IS NOT NULL THEN is_synthetic END IGNORE NULLS) OVER earlier AS previous_synthetic
    FROM observed
    WHERE (SELECT imputation = 'carry_forward' FROM m_settings)
    WINDOW earlier AS (PARTITION BY series, unit_set, province_code, indicator_code ORDER BY reporting_year
                       ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
    UNION ALL BY NAME
    SELECT *, NULL::DOUBLE AS previous_value, NULL::INTEGER AS previous_year, NULL::BOOLEAN AS previous_synthetic
    FROM observed
    WHERE (SELECT imputation <> 'carry_forward' FROM m_settings)
),
filled AS (
    SELECT * EXCLUDE (value, value_status, is_synthetic, previous_value, previous_year, previous_synthetic),
        value IS NOT NULL AS observed,
        CASE WHEN value IS NULL AND s.imputation = 'carry_forward' THEN previous_value ELSE value END AS value,
        CASE WHEN value IS NOT NULL THEN value_status
             WHEN s.imputation = 'carry_forward' AND previous_value IS NOT NULL THEN 'imputed_carry_forward'
             ELSE 'missing' END AS value_status,
        CASE WHEN value IS NULL AND s.imputation = 'carry_forward' THEN previous_year END AS imputed_from_year,
        coalesce(is_synthetic, CASE WHEN s.imputation = 'carry_forward' THEN previous_synthetic END) AS is_synthetic
    FROM with_history, m_settings AS s
),
spread AS (
    SELECT series, reporting_year, indicator_code,
           min(value) AS min_value, max(value) AS max_value, avg(value) AS mean_value,
           stddev_pop(value) AS sd_value, count(value) AS n_values
    FROM filled
    GROUP BY ALL
),
ranked AS (
    SELECT series, reporting_year, province_code, indicator_code,
           percent_rank() OVER (PARTITION BY series, reporting_year, indicator_code
                                ORDER BY CASE direction WHEN 'positive' THEN value ELSE -value END) AS percentile
    FROM filled
    WHERE value IS NOT NULL AND normalisation = 'rank'
)
SELECT f.series, f.unit_set, f.reporting_year, f.province_code, f.province_name, f.indicator_code,
       f.value, f.value_status, f.observed, f.imputed_from_year, f.traced_to, f.normalisation,
       normalised_score(f.value, f.normalisation, f.direction, f.worst, f.best, sp.min_value, sp.max_value,
                        sp.mean_value, sp.sd_value, sp.n_values, r.percentile) AS score,
       f.is_synthetic,
       s.version AS methodology_version
FROM filled AS f
JOIN spread AS sp
  ON sp.series = f.series AND coalesce(sp.reporting_year, 0) = coalesce(f.reporting_year, 0)
 AND sp.indicator_code = f.indicator_code
LEFT JOIN ranked AS r
  ON r.series = f.series AND coalesce(r.reporting_year, 0) = coalesce(f.reporting_year, 0)
 AND r.province_code = f.province_code AND r.indicator_code = f.indicator_code
CROSS JOIN m_settings AS s;
