-- The index at scale, step 2: each node's sums over the indicators it aggregates directly, for every
-- level at once, so that the values are read only once. Per unit and node: how many indicators were
-- reported, the sum of their terms (exact_term) and the sum of their weights, both exact.
CREATE OR REPLACE TEMP TABLE leaf_sums_at_scale AS
SELECT l.unit_id, e.parent_id AS node_id,
       count(*) AS children_reported,
       sum(exact_term(e.arithmetic, e.weight, l.score, e.geometric_floor)) AS weighted_sum,
       sum(e.exact_weight) AS weight_sum
FROM leaf_scores_at_scale AS l
JOIN edges_at_scale AS e ON e.leaf_id = l.leaf_id
GROUP BY ALL;
