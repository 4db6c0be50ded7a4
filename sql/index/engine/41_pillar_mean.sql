-- Imputation 'pillar_mean' (run only when the methodology asks for it): the plain sum of the scores of
-- each node's indicators, from which step 5 takes the mean that a missing sibling receives.
UPDATE leaf_sums AS s
SET score_sum = m.score_sum
FROM (
    SELECT l.unit_id, e.parent_id AS node_id, sum(l.score::DECIMAL(38, 18)) AS score_sum
    FROM leaf_scores AS l
    JOIN engine_edges AS e ON e.leaf_id = l.leaf_id
    GROUP BY ALL
) AS m
WHERE m.unit_id = s.unit_id AND m.node_id = s.node_id;
