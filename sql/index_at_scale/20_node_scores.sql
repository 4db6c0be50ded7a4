-- The index at scale, step 3: one level of the framework (see sql/index/20_node_scores.sql for the rules),
-- run once per level, lowest first, with `SET VARIABLE level = n`. Appends to node_scores_at_scale.
--
-- A node is scored if the share of its children valid that year that the unit reported reaches
-- min_share; the weighted mean (arithmetic, or geometric with the floor) is over the children reported.
INSERT INTO node_scores_at_scale BY NAME
WITH children AS (
    SELECT s.unit_id, s.node_id, s.children_reported, s.weighted_sum, s.weight_sum
    FROM leaf_sums_at_scale AS s
    SEMI JOIN nodes_at_scale AS n ON n.node_id = s.node_id AND n.level = getvariable('level')
    UNION ALL
    SELECT c.unit_id, e.parent_id AS node_id, 1 AS children_reported,
           exact_term(e.arithmetic, e.weight, c.score, e.geometric_floor) AS weighted_sum,
           e.exact_weight AS weight_sum
    FROM node_scores_at_scale AS c
    JOIN edges_at_scale AS e ON e.child_node_id = c.node_id AND e.parent_level = getvariable('level')
    WHERE c.scored
),
-- How many children each node expects in each cohort: its indicators valid that year and its nodes.
expected AS (
    SELECT y.cohort_id, e.parent_id AS node_id, count(*) AS children_expected
    FROM (SELECT DISTINCT cohort_id, reporting_year FROM units_at_scale) AS y
    JOIN edges_at_scale AS e ON e.parent_level = getvariable('level')
    LEFT JOIN leaves_at_scale AS l ON l.leaf_id = e.leaf_id
    WHERE e.leaf_id IS NULL OR indicator_valid_in(y.reporting_year, l.valid_from, l.valid_to)
    GROUP BY ALL
),
per_node AS (
    SELECT unit_id, node_id, sum(children_reported)::BIGINT AS children_reported,
           sum(weighted_sum) / sum(weight_sum) AS weighted_mean
    FROM children
    GROUP BY ALL
)
SELECT p.unit_id, u.cohort_id, p.node_id, p.children_reported, x.children_expected,
       p.children_reported / x.children_expected AS coverage,
       p.children_reported / x.children_expected + 1e-9 >= n.min_share AS scored,
       CASE WHEN p.children_reported / x.children_expected + 1e-9 >= n.min_share
            THEN CASE n.aggregation WHEN 'arithmetic' THEN p.weighted_mean ELSE exp(p.weighted_mean) END
       END AS score
FROM per_node AS p
JOIN units_at_scale AS u ON u.unit_id = p.unit_id
JOIN expected AS x ON x.cohort_id = u.cohort_id AND x.node_id = p.node_id
JOIN nodes_at_scale AS n ON n.node_id = p.node_id;
