-- marts.indicator_contributions: effective_weight multiplies the shares along every path from the index
-- down to the indicator (summed, exactly, where an indicator is reached by several paths: `paths` of
-- engine_leaves), renormalised over the components the unit actually has; contribution = effective_weight
-- x score. Under arithmetic aggregation a unit's contributions add up to its index score exactly
-- (exact_decomposition = true). An indicator imputed by the siblings' mean has a weight, no value and no
-- score of its own.
CREATE OR REPLACE TABLE marts.indicator_contributions AS
WITH leaf_paths AS (
    SELECT p.unit_id, e.leaf_id, p.weight * e.share AS weight, p.exact AND e.arithmetic AS exact
    FROM node_paths AS p
    JOIN edge_shares AS e ON e.unit_id = p.unit_id AND e.parent_id = p.node_id AND e.leaf_id IS NOT NULL
),
per_indicator AS (
    SELECT p.unit_id, p.leaf_id, p.weight AS effective_weight, p.exact AS exact_decomposition
    FROM leaf_paths AS p
    SEMI JOIN engine_leaves AS l ON l.leaf_id = p.leaf_id AND l.paths = 1
    UNION ALL
    SELECT p.unit_id, p.leaf_id, sum(p.weight::DECIMAL(38, 18))::DOUBLE, bool_and(p.exact)
    FROM leaf_paths AS p
    SEMI JOIN engine_leaves AS l ON l.leaf_id = p.leaf_id AND l.paths > 1
    GROUP BY ALL
)
SELECT u.series, u.unit_set, u.reporting_year, u.province_code, u.province_name, l.indicator_code,
       s.value, coalesce(s.value_status, 'missing') AS value_status, s.score, p.effective_weight,
       p.effective_weight * s.score AS contribution,
       p.effective_weight * s.score / nullif(x.score, 0) AS share_of_index,
       p.exact_decomposition, s.is_synthetic, m.version AS methodology_version
FROM per_indicator AS p
JOIN engine_units AS u ON u.unit_id = p.unit_id
JOIN engine_leaves AS l ON l.leaf_id = p.leaf_id
LEFT JOIN leaf_scores AS s ON s.unit_id = p.unit_id AND s.leaf_id = p.leaf_id
JOIN node_scores AS x ON x.unit_id = p.unit_id AND x.node_id = (SELECT node_id FROM engine_nodes WHERE is_index)
CROSS JOIN m_settings AS m;
