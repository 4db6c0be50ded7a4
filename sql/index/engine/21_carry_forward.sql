-- Imputation 'carry_forward' (run only when the methodology asks for it): an indicator a unit did not
-- report takes the unit's last earlier value of the same series and set of units (its track), flagged with
-- the year it comes from (and that year's synthetic flag). Earlier means an earlier reporting year in which
-- the indicator was valid.
INSERT INTO carried_values BY NAME
WITH expected AS (
    SELECT u.unit_id, u.cohort_id, u.track_id, u.reporting_year, l.leaf_id
    FROM engine_units AS u
    JOIN engine_leaves AS l ON indicator_valid_in(u.reporting_year, l.valid_from, l.valid_to)
    WHERE u.reporting_year IS NOT NULL
),
not_reported AS (
    SELECT x.* FROM expected AS x
    ANTI JOIN reported_values AS r ON r.unit_id = x.unit_id AND r.leaf_id = x.leaf_id
)
SELECT n.unit_id, n.cohort_id, n.leaf_id, r.value, r.reporting_year AS imputed_from_year, r.is_synthetic
FROM not_reported AS n
ASOF JOIN reported_values AS r
  ON r.track_id = n.track_id AND r.leaf_id = n.leaf_id AND r.reporting_year < n.reporting_year;
