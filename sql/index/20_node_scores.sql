-- One level of the framework: every node whose children are all scored already (level 1 aggregates
-- indicators; level 2 aggregates level-1 nodes, and so on). Run once per level, lowest first, with
-- `SET VARIABLE level = n`. Appends to node_scores and edge_shares (temporary tables).
--
-- A node is scored only if the share of its children valid that year that the province reported
-- reaches min_share; weights are normalised over the children used, so a missing child is never a zero.
-- With imputation 'pillar_mean' a missing child takes the mean of the province's other children of
-- the same node (counted in children_imputed, never in children_reported).
CREATE OR REPLACE TEMP TABLE level_children AS
-- Every child a node expects from each province that year already has a row: indicator_scores lists
-- every indicator valid that year (reported or not), node_scores every lower node.
WITH children AS (
    SELECT series, unit_set, reporting_year, province_code, province_name, indicator_code AS code,
           score, observed, is_synthetic
    FROM marts.indicator_scores
    UNION ALL
    SELECT series, unit_set, reporting_year, province_code, province_name, node AS code,
           score, score IS NOT NULL AS observed, is_synthetic
    FROM node_scores
),
edges_of_level AS (
    SELECT c.series, c.unit_set, c.reporting_year, c.province_code, c.province_name, e.parent, e.child, e.weight,
           c.score, c.observed, c.is_synthetic
    FROM children AS c
    JOIN m_edges AS e ON e.child = c.code AND e.parent_level = getvariable('level')
),
-- The siblings' mean is needed only for imputation 'pillar_mean' (a window over every row otherwise).
joined AS (
    SELECT *, avg(score) OVER (PARTITION BY series, reporting_year, province_code, parent) AS sibling_mean
    FROM edges_of_level
    WHERE (SELECT imputation = 'pillar_mean' FROM m_settings)
    UNION ALL BY NAME
    SELECT *, NULL::DOUBLE AS sibling_mean
    FROM edges_of_level
    WHERE (SELECT imputation <> 'pillar_mean' FROM m_settings)
)
SELECT j.* EXCLUDE (sibling_mean),
       CASE WHEN j.score IS NULL AND s.imputation = 'pillar_mean' THEN j.sibling_mean ELSE j.score END AS used_score,
       j.score IS NULL AND s.imputation = 'pillar_mean' AND j.sibling_mean IS NOT NULL AS imputed
FROM joined AS j, m_settings AS s;

INSERT INTO node_scores BY NAME
WITH per_node AS (
    SELECT c.series, c.unit_set, c.reporting_year, c.province_code, c.province_name, c.parent AS node,
           count(*) AS children_expected,
           count(*) FILTER (WHERE c.observed) AS children_reported,
           count(*) FILTER (WHERE c.imputed) AS children_imputed,
           sum(c.weight * c.used_score) FILTER (WHERE c.used_score IS NOT NULL)
               / sum(c.weight) FILTER (WHERE c.used_score IS NOT NULL) AS arithmetic_mean,
           exp(sum(c.weight * ln(greatest(c.used_score, s.geometric_floor))) FILTER (WHERE c.used_score IS NOT NULL)
               / sum(c.weight) FILTER (WHERE c.used_score IS NOT NULL)) AS geometric_mean,
           bool_or(c.is_synthetic) AS is_synthetic
    FROM level_children AS c, m_settings AS s
    GROUP BY ALL
)
SELECT p.* EXCLUDE (arithmetic_mean, geometric_mean),
       p.children_reported / p.children_expected AS coverage,
       p.children_reported / p.children_expected + 1e-9 >= n.min_share AS scored,
       CASE WHEN p.children_reported / p.children_expected + 1e-9 >= n.min_share
            THEN CASE n.aggregation WHEN 'arithmetic' THEN p.arithmetic_mean ELSE p.geometric_mean END
       END AS score,
       CASE WHEN p.children_reported / p.children_expected + 1e-9 < n.min_share
            THEN format('{} of {} components reported ({:.0f}%), below the minimum {:.0f}%',
                        p.children_reported, p.children_expected,
                        100 * p.children_reported / p.children_expected, 100 * n.min_share)
       END AS not_scored_reason,
       n.aggregation
FROM per_node AS p
JOIN m_nodes AS n ON n.node = p.node;

INSERT INTO edge_shares BY NAME
SELECT c.series, c.reporting_year, c.province_code, c.parent, c.child, n.aggregation AS parent_aggregation,
       c.weight / sum(c.weight) OVER (PARTITION BY c.series, c.reporting_year, c.province_code, c.parent) AS share
FROM level_children AS c
JOIN node_scores AS ns
  ON ns.series = c.series AND coalesce(ns.reporting_year, 0) = coalesce(c.reporting_year, 0)
 AND ns.province_code = c.province_code AND ns.node = c.parent AND ns.scored
JOIN m_nodes AS n ON n.node = c.parent
WHERE c.used_score IS NOT NULL;
