-- marts.province_rankings: the engine's ranks of the index and each pillar (sql/index/engine/60_ranks.sql)
-- with names and the change against the previous year.
-- rank_change = previous rank - rank (positive = moved up), against the previous year of the same series on
-- the same units; where the units changed (2025, the first year of the 34 units) against the previous year
-- restated on the 34 units, named in previous_rank_series.
CREATE OR REPLACE TABLE marts.province_rankings AS
WITH ranked AS (
    SELECT n.series, n.unit_set, n.reporting_year, n.province_code, n.province_name,
           CASE WHEN n.is_index THEN 'index' ELSE n.node END AS ranking,
           n.score, r.score_rounded, r.rank, r.units_ranked, n.is_synthetic, n.methodology_version
    FROM node_rows AS n
    JOIN node_ranks AS r ON r.unit_id = n.unit_id AND r.node_id = n.node_id
)
SELECT r.series, r.unit_set, r.reporting_year, r.province_code, r.province_name, r.ranking,
       r.score, r.score_rounded, r.rank, r.units_ranked,
       p.rank AS previous_rank, p.series AS previous_rank_series, p.rank - r.rank AS rank_change,
       r.is_synthetic, r.methodology_version
FROM ranked AS r
LEFT JOIN ranked AS p
  ON p.ranking = r.ranking AND p.reporting_year = r.reporting_year - 1
 AND p.unit_set = r.unit_set AND p.province_code = r.province_code
QUALIFY row_number() OVER (PARTITION BY r.series, r.reporting_year, r.ranking, r.province_code
                           ORDER BY (p.series = r.series) DESC NULLS LAST) = 1;

CREATE OR REPLACE TABLE marts.framework_weights AS
SELECT e.parent, e.child, e.weight, e.weight_normalised, e.child_is_indicator, n.aggregation, n.min_share,
       l.normalisation, l.direction, l.worst AS goalpost_worst, l.best AS goalpost_best,
       s.version AS methodology_version
FROM m_edges AS e JOIN m_nodes AS n ON n.node = e.parent
LEFT JOIN m_leaves AS l ON l.indicator_code = e.child
CROSS JOIN m_settings AS s
ORDER BY n.level DESC, e.parent, e.child;
