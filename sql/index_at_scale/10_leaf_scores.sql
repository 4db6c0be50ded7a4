-- The index at scale, step 1: integer ids for units, nodes and indicators, and every reported value of
-- a scored indicator normalised to 0-1.
--
-- This is the scores-and-ranks-only twin of sql/index (which the warehouse runs): the same methodology
-- tables and the same arithmetic, without the provenance the marts carry (no grid of missing values,
-- no value status, no edge shares, no contributions). It is what `dti score` runs, and it scales to
-- 100,000 units x 200 indicators. tests/test_index_at_scale.py checks that both give the same scores.
--
-- Sums are exact DECIMAL(38, 18): DuckDB adds its threads' partial sums in a varying order, and a float
-- sum would then differ in its last bits from run to run. With exact sums the engine runs on every
-- thread and still gives the very same scores for the same input. The joins and groups work on integer
-- ids, not on the names.
--
-- Inputs: units_in, values_in (as for sql/index), m_leaves, m_nodes, m_edges, m_settings and the macros
-- of sql/formulas.sql. Imputation must be 'none'. Values of units not listed in
-- units_in are not read.

-- A unit is a series, a year and a province code; a cohort (ranked together) a series and a year.
CREATE OR REPLACE TEMP TABLE units_at_scale AS
SELECT (row_number() OVER (ORDER BY series, reporting_year, province_code) - 1)::INTEGER AS unit_id,
       (dense_rank() OVER (ORDER BY series, reporting_year) - 1)::INTEGER AS cohort_id,
       series, reporting_year, province_code, province_name
FROM units_in;

CREATE OR REPLACE TEMP TABLE nodes_at_scale AS
SELECT (row_number() OVER (ORDER BY node) - 1)::SMALLINT AS node_id, *
FROM m_nodes;

CREATE OR REPLACE TEMP TABLE leaves_at_scale AS
SELECT (row_number() OVER (ORDER BY indicator_code) - 1)::SMALLINT AS leaf_id, *
FROM m_leaves;

-- A child's term in its parent's weighted sum, exact: weight x score (arithmetic) or
-- weight x ln(max(score, floor)) (geometric, whose mean is exp(sum / weights)).
CREATE OR REPLACE TEMP MACRO exact_term(arithmetic, weight, score, geometric_floor) AS
    (CASE WHEN arithmetic THEN weight * score ELSE weight * ln(greatest(score, geometric_floor)) END)::DECIMAL(38, 18);

-- Each edge of the framework with ids: a parent node and a child indicator (leaf_id) or node (node_id).
CREATE OR REPLACE TEMP TABLE edges_at_scale AS
SELECT p.node_id AS parent_id, p.level AS parent_level, l.leaf_id, c.node_id AS child_node_id, e.weight,
       e.weight::DECIMAL(38, 18) AS exact_weight, p.aggregation = 'arithmetic' AS arithmetic, s.geometric_floor
FROM m_edges AS e
JOIN nodes_at_scale AS p ON p.node = e.parent
LEFT JOIN leaves_at_scale AS l ON l.indicator_code = e.child
LEFT JOIN nodes_at_scale AS c ON c.node = e.child
CROSS JOIN m_settings AS s;

CREATE OR REPLACE TEMP VIEW leaf_scores_at_scale AS
WITH reported AS NOT MATERIALIZED (
    SELECT u.unit_id, u.cohort_id, l.leaf_id, v.value, l.direction, l.normalisation, l.worst, l.best
    FROM values_in AS v
    JOIN units_at_scale AS u
      ON u.series = v.series AND coalesce(u.reporting_year, 0) = coalesce(v.reporting_year, 0)
     AND u.province_code = v.province_code
    JOIN leaves_at_scale AS l
      ON l.indicator_code = v.indicator_code
     AND indicator_valid_in(v.reporting_year, l.valid_from, l.valid_to)
    WHERE v.value IS NOT NULL
),
-- The rest reads only the indicators normalised against the other units (none in the shipped files).
relative AS NOT MATERIALIZED (
    SELECT * FROM reported WHERE normalisation IN ('minmax', 'zscore', 'rank')
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
SELECT r.unit_id, r.leaf_id,
       normalised_score(r.value, r.normalisation, r.direction, r.worst, r.best, s.min_value, s.max_value,
                        s.mean_value, s.sd_value, NULL, NULL) AS score
FROM reported AS r
LEFT JOIN stats AS s ON s.cohort_id = r.cohort_id AND s.leaf_id = r.leaf_id
WHERE r.normalisation <> 'rank'
UNION ALL
SELECT unit_id, leaf_id,
       normalised_score(value, normalisation, direction, NULL, NULL, NULL, NULL, NULL, NULL, count(*) OVER same_indicator,
                        percent_rank() OVER (same_indicator ORDER BY CASE direction WHEN 'positive' THEN value ELSE -value END))
           AS score
FROM relative
WHERE normalisation = 'rank'
WINDOW same_indicator AS (PARTITION BY cohort_id, leaf_id);
