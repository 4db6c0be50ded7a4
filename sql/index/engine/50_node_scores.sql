-- The index engine, step 5: one level of the framework, run once per level, lowest first, with
-- `SET VARIABLE level = n` (level 1 aggregates indicators, level 2 the level-1 nodes, and so on). Appends
-- to node_scores.
--
-- A node is scored only if the share of its children valid that year that the unit reported reaches
-- min_share; the weighted mean (arithmetic, or geometric with the floor) is over the children used, so a
-- missing child is never a zero. With imputation 'pillar_mean' each missing child takes the plain mean of
-- the children used (counted in children_imputed, never in children_reported): its weight joins the
-- denominator and its weight times that mean the numerator. weight_used (the denominator) is kept for the
-- shares of the warehouse's provenance.
INSERT INTO node_scores BY NAME
WITH children AS (
    SELECT s.unit_id, s.node_id, s.children_reported, s.children_used, s.weighted_sum, s.weight_sum, s.score_sum
    FROM leaf_sums AS s
    SEMI JOIN engine_nodes AS n ON n.node_id = s.node_id AND n.level = getvariable('level')
    UNION ALL
    SELECT c.unit_id, e.parent_id AS node_id, 1 AS children_reported, 1 AS children_used,
           exact_term(e.arithmetic, e.weight, c.score, e.geometric_floor) AS weighted_sum,
           e.exact_weight AS weight_sum, c.score::DECIMAL(38, 18) AS score_sum
    FROM node_scores AS c
    JOIN engine_edges AS e ON e.child_node_id = c.node_id AND e.parent_level = getvariable('level')
    WHERE c.scored
),
per_node AS (
    SELECT unit_id, node_id, sum(children_reported)::BIGINT AS children_reported,
           sum(children_used)::BIGINT AS children_used, sum(weighted_sum) AS weighted_sum,
           sum(weight_sum) AS weight_sum, sum(score_sum) AS score_sum
    FROM children
    GROUP BY ALL
),
with_rules AS (
    SELECT p.*, u.cohort_id, x.children_expected, n.aggregation, s.geometric_floor,
           p.children_reported / x.children_expected AS coverage,
           p.children_reported / x.children_expected + 1e-9 >= n.min_share AS scored,
           CASE WHEN s.imputation = 'pillar_mean' THEN x.children_expected - p.children_used ELSE 0 END
               AS children_imputed,
           CASE WHEN s.imputation = 'pillar_mean' THEN x.weight_expected - p.weight_sum ELSE 0 END AS imputed_weight,
           p.score_sum / p.children_used AS siblings_mean
    FROM per_node AS p
    JOIN engine_units AS u ON u.unit_id = p.unit_id
    JOIN engine_expected AS x ON x.cohort_id = u.cohort_id AND x.node_id = p.node_id
    JOIN engine_nodes AS n ON n.node_id = p.node_id
    CROSS JOIN m_settings AS s
)
SELECT unit_id, cohort_id, node_id, children_expected, children_reported, children_imputed, coverage, scored,
       weight_sum + imputed_weight AS weight_used,
       CASE WHEN NOT scored THEN NULL
            WHEN imputed_weight = 0 AND aggregation = 'arithmetic' THEN weighted_sum / weight_sum
            WHEN imputed_weight = 0 THEN exp(weighted_sum / weight_sum)
            WHEN aggregation = 'arithmetic'
                THEN (weighted_sum + imputed_weight * siblings_mean) / (weight_sum + imputed_weight)
            ELSE exp((weighted_sum + imputed_weight * ln(greatest(siblings_mean, geometric_floor)))
                     / (weight_sum + imputed_weight))
       END AS score
FROM with_rules;
