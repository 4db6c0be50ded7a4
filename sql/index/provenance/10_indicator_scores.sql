-- The warehouse's provenance, step 1: marts.indicator_scores, every indicator of every unit and year
-- valid that year, reported or not, with the score the engine gave it (leaf_scores, sql/index/engine).
--
-- A unit that did not report an indicator keeps a row with value_status 'missing' and no score: nothing is
-- zero-filled (a row of values_in without a value keeps its source). A value carried forward (imputation
-- 'carry_forward') is 'imputed_carry_forward', with the year it comes from and that year's synthetic flag.
-- A value changed by the methodology's outlier treatment keeps its original_value and outlier_treatment
-- ('winhi', 'winlo': winsorised at the high or low end; 'log_CT': log-transformed).
CREATE OR REPLACE TABLE marts.indicator_scores AS
WITH without_value AS (
    SELECT u.unit_id, l.leaf_id, v.traced_to, v.is_synthetic
    FROM values_in AS v
    JOIN engine_units AS u
      ON u.series = v.series AND coalesce(u.reporting_year, 0) = coalesce(v.reporting_year, 0)
     AND u.province_code = v.province_code
    JOIN engine_leaves AS l ON l.indicator_code = v.indicator_code
    WHERE v.value IS NULL
)
SELECT u.series, u.unit_set, u.reporting_year, u.province_code, u.province_name, l.indicator_code, s.value,
       coalesce(s.value_status, 'missing') AS value_status, coalesce(s.observed, false) AS observed,
       s.imputed_from_year, coalesce(s.traced_to, w.traced_to) AS traced_to, l.normalisation, s.score,
       coalesce(s.is_synthetic, w.is_synthetic) AS is_synthetic, t.original_value, t.treatment AS outlier_treatment,
       m.version AS methodology_version
FROM engine_units AS u
JOIN engine_leaves AS l ON indicator_valid_in(u.reporting_year, l.valid_from, l.valid_to)
LEFT JOIN leaf_scores AS s ON s.unit_id = u.unit_id AND s.leaf_id = l.leaf_id
LEFT JOIN without_value AS w ON w.unit_id = u.unit_id AND w.leaf_id = l.leaf_id
LEFT JOIN treated_values AS t
  ON t.series = u.series AND t.reporting_year = u.reporting_year AND t.province_code = u.province_code
 AND t.indicator_code = l.indicator_code
CROSS JOIN m_settings AS m;
