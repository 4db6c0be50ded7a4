-- The index engine, step 1: integer ids for units, nodes and indicators, so that the joins and groups of
-- the following steps work on integers, not on names.
--
-- The engine (sql/index/engine, run by sources/index/engine.py: compute_index) is the only place where the
-- index is computed: `dti score`, the warehouse and every later analysis call it. Its inputs:
--   units_in    (series, unit_set, reporting_year, province_code, province_name) - who is scored
--   values_in   (series, reporting_year, province_code, indicator_code, value, ...) - what they reported
--   m_settings, m_nodes, m_edges, m_leaves - the methodology file as tables (sources/index/engine.py)
-- Its outputs: leaf_scores (each value used, normalised), node_scores (every node of every unit: coverage,
-- scored, score) and node_ranks. The warehouse adds its provenance on top (sql/index/provenance).

-- A unit is one province in one series and year; a cohort (ranked together) is a series and a year; a
-- track (followed over the years by carry-forward imputation) is a series, a set of units and a province.
CREATE OR REPLACE TEMP TABLE engine_units AS
SELECT (row_number() OVER (ORDER BY series, reporting_year, province_code) - 1)::INTEGER AS unit_id,
       (dense_rank() OVER (ORDER BY series, reporting_year) - 1)::INTEGER AS cohort_id,
       (dense_rank() OVER (ORDER BY series, unit_set, province_code) - 1)::INTEGER AS track_id,
       series, unit_set, reporting_year, province_code, province_name
FROM units_in;

CREATE OR REPLACE TEMP TABLE engine_nodes AS
SELECT (row_number() OVER (ORDER BY node) - 1)::SMALLINT AS node_id, *
FROM m_nodes;

CREATE OR REPLACE TEMP TABLE engine_leaves AS
SELECT (row_number() OVER (ORDER BY indicator_code) - 1)::SMALLINT AS leaf_id, *
FROM m_leaves;

-- Each edge of the framework: a parent node and a child indicator (leaf_id) or node (child_node_id).
CREATE OR REPLACE TEMP TABLE engine_edges AS
SELECT p.node_id AS parent_id, p.level AS parent_level, l.leaf_id, c.node_id AS child_node_id, e.weight,
       e.weight::DECIMAL(38, 18) AS exact_weight, p.aggregation = 'arithmetic' AS arithmetic, s.geometric_floor
FROM m_edges AS e
JOIN engine_nodes AS p ON p.node = e.parent
LEFT JOIN engine_leaves AS l ON l.indicator_code = e.child
LEFT JOIN engine_nodes AS c ON c.node = e.child
CROSS JOIN m_settings AS s;

-- What each node expects in each cohort: its indicators valid that year and its child nodes, their count
-- and the sum of their weights.
CREATE OR REPLACE TEMP TABLE engine_expected AS
SELECT y.cohort_id, e.parent_id AS node_id, count(*) AS children_expected, sum(e.exact_weight) AS weight_expected
FROM (SELECT DISTINCT cohort_id, reporting_year FROM engine_units) AS y
JOIN engine_edges AS e ON true
LEFT JOIN engine_leaves AS l ON l.leaf_id = e.leaf_id
WHERE e.leaf_id IS NULL OR indicator_valid_in(y.reporting_year, l.valid_from, l.valid_to)
GROUP BY ALL;
