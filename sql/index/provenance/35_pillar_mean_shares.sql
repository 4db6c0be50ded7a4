-- Imputation 'pillar_mean' (run only when the methodology asks for it): every child a scored node expected
-- but did not have took the siblings' mean, so it has a share too.
INSERT INTO edge_shares BY NAME
WITH expected AS (
    SELECT ns.unit_id, e.parent_id, e.leaf_id, e.child_node_id, e.arithmetic,
           (e.exact_weight / ns.weight_used)::DOUBLE AS share
    FROM node_scores AS ns
    JOIN engine_units AS u ON u.unit_id = ns.unit_id
    JOIN engine_edges AS e ON e.parent_id = ns.node_id
    LEFT JOIN engine_leaves AS l ON l.leaf_id = e.leaf_id
    WHERE ns.scored AND (e.leaf_id IS NULL OR indicator_valid_in(u.reporting_year, l.valid_from, l.valid_to))
)
SELECT x.*
FROM expected AS x
ANTI JOIN edge_shares AS s
  ON s.unit_id = x.unit_id AND s.parent_id = x.parent_id
 AND s.leaf_id IS NOT DISTINCT FROM x.leaf_id AND s.child_node_id IS NOT DISTINCT FROM x.child_node_id;
