-- The index engine, step 3: every value used, normalised to 0-1 by its indicator's normalisation.
-- Goalposts need only the value; min-max, z-score and rank normalisations read the indicator's values over
-- the units ranked together (the cohort), imputed values included. sources/index/engine.py makes
-- leaf_scores of this view: a view for `dti score` (read once, by the sums of step 4), a table for the
-- warehouse (whose provenance reads it again).
CREATE OR REPLACE TEMP VIEW leaf_score_rows AS
WITH used AS NOT MATERIALIZED (
    SELECT v.*, l.direction, l.normalisation, l.worst, l.best
    FROM leaf_values AS v
    JOIN engine_leaves AS l ON l.leaf_id = v.leaf_id
),
-- The rest reads only the indicators normalised against the other units (none in the shipped files).
relative AS NOT MATERIALIZED (
    SELECT * FROM used WHERE normalisation IN ('minmax', 'zscore', 'rank')
),
spread AS (
    SELECT cohort_id, leaf_id,
           min(value) AS min_value, max(value) AS max_value, sum(value::DECIMAL(38, 18)) / count(*) AS mean_value
    FROM relative
    GROUP BY ALL
),
stats AS (
    SELECT s.cohort_id, s.leaf_id, s.min_value, s.max_value, s.mean_value,
           sqrt(sum(((r.value - s.mean_value) ^ 2)::DECIMAL(38, 18)) / count(*)) AS sd_value
    FROM relative AS r
    JOIN spread AS s ON s.cohort_id = r.cohort_id AND s.leaf_id = r.leaf_id
    GROUP BY ALL
)
SELECT u.unit_id, u.leaf_id, u.value, u.observed, u.imputed_from_year, u.value_status, u.traced_to, u.is_synthetic,
       normalised_score(u.value, u.normalisation, u.direction, u.worst, u.best, s.min_value, s.max_value,
                        s.mean_value, s.sd_value, NULL, NULL) AS score
FROM used AS u
LEFT JOIN stats AS s ON s.cohort_id = u.cohort_id AND s.leaf_id = u.leaf_id
WHERE u.normalisation <> 'rank'
UNION ALL
SELECT unit_id, leaf_id, value, observed, imputed_from_year, value_status, traced_to, is_synthetic,
       normalised_score(value, normalisation, direction, NULL, NULL, NULL, NULL, NULL, NULL, count(*) OVER same_indicator,
                        percent_rank() OVER (same_indicator ORDER BY CASE direction WHEN 'positive' THEN value ELSE -value END))
           AS score
FROM relative
WHERE normalisation = 'rank'
WINDOW same_indicator AS (PARTITION BY cohort_id, leaf_id);
