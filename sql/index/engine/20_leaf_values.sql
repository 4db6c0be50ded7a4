-- The index engine, step 2: the values it scores. Every reported value of an indicator valid that year,
-- for the units listed in units_in (values of other units are not read). A value not reported is never a
-- zero: it is simply absent here, and the nodes above it are scored on what is there (step 5). The value's
-- status, source and synthetic flag ride along for the warehouse's provenance (`dti score` never reads them,
-- and DuckDB does not compute what is not read).
CREATE OR REPLACE TEMP VIEW reported_values AS
SELECT u.unit_id, u.cohort_id, u.track_id, u.reporting_year, l.leaf_id, v.value, v.value_status, v.traced_to,
       v.is_synthetic
FROM values_in AS v
JOIN engine_units AS u
  ON u.series = v.series AND coalesce(u.reporting_year, 0) = coalesce(v.reporting_year, 0)
 AND u.province_code = v.province_code
JOIN engine_leaves AS l
  ON l.indicator_code = v.indicator_code
 AND indicator_valid_in(v.reporting_year, l.valid_from, l.valid_to)
WHERE v.value IS NOT NULL;

-- Values carried forward from an earlier year: filled by 21_carry_forward.sql when the methodology's
-- imputation is 'carry_forward', empty otherwise.
CREATE OR REPLACE TEMP TABLE carried_values (
    unit_id INTEGER, cohort_id INTEGER, leaf_id SMALLINT, value DOUBLE, imputed_from_year INTEGER,
    is_synthetic BOOLEAN);

-- Every value the engine uses: observed (reported that year) or imputed (carried, with its year).
CREATE OR REPLACE TEMP VIEW leaf_values AS
SELECT unit_id, cohort_id, leaf_id, value, true AS observed, NULL::INTEGER AS imputed_from_year, value_status,
       traced_to, is_synthetic
FROM reported_values
UNION ALL
SELECT unit_id, cohort_id, leaf_id, value, false AS observed, imputed_from_year,
       'imputed_carry_forward' AS value_status, NULL AS traced_to, is_synthetic
FROM carried_values;
