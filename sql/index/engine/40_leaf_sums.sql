-- The index engine, step 4: each node's sums over the indicators it aggregates directly, for every level
-- at once, so that the values are read only once. Per unit and node: how many indicators were reported
-- (observed) and how many are used (observed or imputed), and the exact sums of their terms (exact_term)
-- and of their weights. score_sum, the plain sum of their scores, is filled by 41_pillar_mean.sql only when
-- the methodology imputes the siblings' mean (an exact sum of every value costs time otherwise unneeded).
CREATE OR REPLACE TEMP TABLE leaf_sums AS
SELECT l.unit_id, e.parent_id AS node_id,
       count(*) FILTER (WHERE l.observed) AS children_reported,
       count(*) AS children_used,
       sum(exact_term(e.arithmetic, e.weight, l.score, e.geometric_floor)) AS weighted_sum,
       sum(e.exact_weight) AS weight_sum,
       NULL::DECIMAL(38, 18) AS score_sum
FROM leaf_scores AS l
JOIN engine_edges AS e ON e.leaf_id = l.leaf_id
GROUP BY ALL;

CREATE OR REPLACE TEMP TABLE node_scores (
    unit_id INTEGER, cohort_id INTEGER, node_id SMALLINT, children_expected BIGINT, children_reported BIGINT,
    children_imputed BIGINT, coverage DOUBLE, scored BOOLEAN, score DOUBLE, weight_used DECIMAL(38, 18));
