-- The index engine, step 6: the index and every node ranked within each cohort (series and year).
-- Standard competition ranking on the score rounded to `score_decimals` (4), as the ministry ranks: equal
-- rounded scores share a rank and the next rank is skipped (1, 2, 2, 4). Units not scored are not ranked.
CREATE OR REPLACE TEMP TABLE node_ranks AS
SELECT ns.unit_id, ns.node_id, round(ns.score, s.score_decimals) AS score_rounded,
       rank() OVER (PARTITION BY ns.cohort_id, ns.node_id ORDER BY round(ns.score, s.score_decimals) DESC) AS rank,
       count(*) OVER (PARTITION BY ns.cohort_id, ns.node_id) AS units_ranked
FROM node_scores AS ns
CROSS JOIN m_settings AS s
WHERE ns.scored;

-- What `dti score` returns: every unit and node (the index as 'index'), scored or not, with its rank.
CREATE OR REPLACE TEMP VIEW engine_scores AS
SELECT u.series, u.reporting_year, u.province_code, u.province_name,
       CASE WHEN n.is_index THEN 'index' ELSE n.node END AS ranking,
       ns.score, coalesce(ns.scored, false) AS scored, coalesce(ns.coverage, 0.0) AS coverage,
       r.score_rounded, r.rank, s.version AS methodology_version
FROM engine_units AS u
CROSS JOIN engine_nodes AS n
CROSS JOIN m_settings AS s
LEFT JOIN node_scores AS ns ON ns.unit_id = u.unit_id AND ns.node_id = n.node_id
LEFT JOIN node_ranks AS r ON r.unit_id = u.unit_id AND r.node_id = n.node_id;
