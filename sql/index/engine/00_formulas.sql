-- The methodology's formulas as macros: the one index engine (this folder) calls them, and the provenance
-- layer (sql/index/provenance) reuses them where it lists what the engine used.

-- Whether an indicator is scored in a year (no year: a table scored on its own, every indicator).
CREATE OR REPLACE TEMP MACRO indicator_valid_in(reporting_year, valid_from, valid_to) AS
    reporting_year IS NULL OR (valid_from <= reporting_year AND (valid_to IS NULL OR reporting_year <= valid_to));

-- A value to its score, 0-1 (z-scores are not bounded). `worst` and `best` are the indicator's goalposts;
-- the min, max, mean, population standard deviation and count are those of the indicator's values over the
-- units ranked together; `percentile` is the value's percent_rank among them, in the indicator's direction.
CREATE OR REPLACE TEMP MACRO normalised_score(value, normalisation, direction, worst, best, min_value, max_value,
                                              mean_value, sd_value, n_values, percentile) AS
    CASE
        WHEN value IS NULL THEN NULL
        WHEN normalisation = 'goalposts' THEN greatest(0.0, least(1.0, (value - worst) / (best - worst)))
        WHEN normalisation = 'minmax' AND max_value = min_value THEN 0.5
        WHEN normalisation = 'minmax' AND direction = 'positive' THEN (value - min_value) / (max_value - min_value)
        WHEN normalisation = 'minmax' THEN (max_value - value) / (max_value - min_value)
        WHEN normalisation = 'zscore' AND coalesce(sd_value, 0) = 0 THEN 0.0
        WHEN normalisation = 'zscore'
            THEN (CASE direction WHEN 'positive' THEN 1 ELSE -1 END) * (value - mean_value) / sd_value
        WHEN normalisation = 'rank' AND n_values = 1 THEN 0.5
        WHEN normalisation = 'rank' THEN percentile
    END;

-- A child's term in its parent's weighted sum, exact: weight x score (arithmetic mean) or
-- weight x ln(max(score, floor)) (geometric mean, which is exp(sum of terms / sum of weights)).
-- DECIMAL(38, 18) sums are exact: DuckDB adds its threads' partial sums in a varying order, and a float sum
-- would differ in its last bits from run to run; exact sums give the very same scores on every thread.
CREATE OR REPLACE TEMP MACRO exact_term(arithmetic, weight, score, geometric_floor) AS
    (CASE WHEN arithmetic THEN weight * score ELSE weight * ln(greatest(score, geometric_floor)) END)::DECIMAL(38, 18);
