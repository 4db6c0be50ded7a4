-- One step down the framework: the children of the paths at depth `getvariable('depth')`, each with the
-- path's weight times its share of its parent (normalised over the components the province has).
INSERT INTO contribution_paths BY NAME
SELECT p.series, p.reporting_year, p.province_code, e.child AS code, p.weight * e.share AS weight,
       p.exact AND e.parent_aggregation = 'arithmetic' AS exact, p.depth + 1 AS depth
FROM contribution_paths AS p
JOIN edge_shares AS e
  ON e.series = p.series AND coalesce(e.reporting_year, 0) = coalesce(p.reporting_year, 0)
 AND e.province_code = p.province_code AND e.parent = p.code
WHERE p.depth = getvariable('depth');
