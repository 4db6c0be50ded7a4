-- One step down the framework: the child nodes of the paths at depth `getvariable('depth')`, each with the
-- path's weight times its share of its parent.
INSERT INTO node_paths BY NAME
SELECT p.unit_id, e.child_node_id AS node_id, p.weight * e.share AS weight, p.exact AND e.arithmetic AS exact,
       p.depth + 1 AS depth
FROM node_paths AS p
JOIN edge_shares AS e ON e.unit_id = p.unit_id AND e.parent_id = p.node_id AND e.child_node_id IS NOT NULL
WHERE p.depth = getvariable('depth');
