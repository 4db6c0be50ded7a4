-- The index at scale, step 4: the index and every node of every unit, ranked within each series and
-- year as in sql/index/50_province_rankings.sql (competition ranking on the score rounded to
-- score_decimals). A unit that reported nothing for a node is listed, not scored and not ranked.
CREATE OR REPLACE TEMP TABLE scores_at_scale AS
WITH ranked AS (
    SELECT ns.unit_id, ns.node_id, ns.score, ns.scored, ns.coverage,
           round(ns.score, s.score_decimals) AS score_rounded,
           CASE WHEN ns.scored THEN rank() OVER (PARTITION BY ns.cohort_id, ns.node_id, ns.scored
                                                 ORDER BY round(ns.score, s.score_decimals) DESC) END AS rank
    FROM node_scores_at_scale AS ns
    CROSS JOIN m_settings AS s
)
SELECT u.series, u.reporting_year, u.province_code, u.province_name,
       CASE WHEN n.is_index THEN 'index' ELSE n.node END AS ranking,
       r.score, coalesce(r.scored, false) AS scored, coalesce(r.coverage, 0.0) AS coverage,
       r.score_rounded, r.rank, s.version AS methodology_version
FROM units_at_scale AS u
CROSS JOIN nodes_at_scale AS n
CROSS JOIN m_settings AS s
LEFT JOIN ranked AS r ON r.unit_id = u.unit_id AND r.node_id = n.node_id;
