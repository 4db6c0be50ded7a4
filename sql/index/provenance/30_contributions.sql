-- The warehouse's provenance, step 3: the shares behind marts.indicator_contributions (how much each
-- indicator adds to its unit's index score).
--
-- Each scored node shares itself among the children it used: share = weight / the weights of the children
-- used (the engine's weight_used). Children used are the values scored (reported or carried forward) and
-- the scored child nodes; with 'pillar_mean' also every missing sibling (35_pillar_mean_shares.sql).
CREATE OR REPLACE TEMP TABLE edge_shares AS
SELECT s.unit_id, e.parent_id, e.leaf_id, NULL::SMALLINT AS child_node_id, e.arithmetic,
       (e.exact_weight / ns.weight_used)::DOUBLE AS share
FROM leaf_scores AS s
JOIN engine_edges AS e ON e.leaf_id = s.leaf_id
JOIN node_scores AS ns ON ns.unit_id = s.unit_id AND ns.node_id = e.parent_id AND ns.scored
UNION ALL
SELECT ns.unit_id, e.parent_id, NULL AS leaf_id, e.child_node_id, e.arithmetic,
       (e.exact_weight / ns.weight_used)::DOUBLE AS share
FROM node_scores AS ns
JOIN engine_edges AS e ON e.parent_id = ns.node_id AND e.child_node_id IS NOT NULL
JOIN node_scores AS c ON c.unit_id = ns.unit_id AND c.node_id = e.child_node_id AND c.scored
WHERE ns.scored;

-- The weight of a path from the index down to a node multiplies the shares along it: node_paths starts at
-- each scored index with weight 1; sources/index/engine.py then runs 31_node_paths.sql once per level.
-- (Step by step rather than a recursive CTE: a recursive CTE is held in memory.)
CREATE OR REPLACE TEMP TABLE node_paths AS
SELECT ns.unit_id, ns.node_id, 1.0::DOUBLE AS weight, true AS exact, 0 AS depth
FROM node_scores AS ns
JOIN engine_nodes AS n ON n.node_id = ns.node_id AND n.is_index
WHERE ns.scored;
