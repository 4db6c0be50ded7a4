-- The start of every contribution path: each scored index, with weight 1. sources/index/engine.py then runs
-- 41_contribution_paths.sql once per level of the framework, and 45_indicator_contributions.sql sums
-- the paths. (Step by step rather than a recursive CTE: a recursive CTE is held in memory, and these
-- tables grow with units × indicators.)
CREATE OR REPLACE TEMP TABLE contribution_paths AS
SELECT ns.series, ns.reporting_year, ns.province_code, ns.node AS code, 1.0::DOUBLE AS weight,
       ns.aggregation = 'arithmetic' AS exact, 0 AS depth
FROM node_scores AS ns
JOIN m_nodes AS n ON n.node = ns.node AND n.is_index
WHERE ns.scored;
