-- The warehouse's provenance, step 2: marts.pillar_scores and marts.index_scores, every node of every unit
-- (scored or not) with how many of its components were reported or imputed and, when it could not be
-- scored, why. A node is synthetic if any value it uses beneath it is (m_descendants lists the indicators
-- beneath each node).
CREATE OR REPLACE TEMP TABLE node_rows AS
WITH synthetic AS (
    SELECT s.unit_id, d.node, bool_or(s.is_synthetic) AS is_synthetic
    FROM leaf_scores AS s
    JOIN engine_leaves AS l ON l.leaf_id = s.leaf_id
    JOIN m_descendants AS d ON d.indicator_code = l.indicator_code
    GROUP BY ALL
)
SELECT u.unit_id, n.node_id, u.series, u.unit_set, u.reporting_year, u.province_code, u.province_name, n.node,
       n.name_vi, n.name_en, n.is_index, n.is_pillar,
       ns.score, coalesce(ns.scored, false) AS scored,
       CASE WHEN NOT coalesce(ns.scored, false)
            THEN format('{} of {} components reported ({:.0f}%), below the minimum {:.0f}%',
                        coalesce(ns.children_reported, 0), x.children_expected,
                        100 * coalesce(ns.children_reported, 0) / x.children_expected, 100 * n.min_share)
       END AS not_scored_reason,
       x.children_expected, coalesce(ns.children_reported, 0) AS children_reported,
       coalesce(ns.children_imputed, 0) AS children_imputed, coalesce(ns.coverage, 0.0) AS coverage,
       n.aggregation, y.is_synthetic, m.version AS methodology_version
FROM engine_units AS u
JOIN engine_expected AS x ON x.cohort_id = u.cohort_id
JOIN engine_nodes AS n ON n.node_id = x.node_id
LEFT JOIN node_scores AS ns ON ns.unit_id = u.unit_id AND ns.node_id = n.node_id
LEFT JOIN synthetic AS y ON y.unit_id = u.unit_id AND y.node = n.node
CROSS JOIN m_settings AS m;

CREATE OR REPLACE TABLE marts.pillar_scores AS
SELECT series, unit_set, reporting_year, province_code, province_name, node AS pillar, name_vi AS pillar_name_vi,
       name_en AS pillar_name_en, score, scored, not_scored_reason, children_expected, children_reported,
       children_imputed, coverage, aggregation, is_synthetic, methodology_version
FROM node_rows WHERE is_pillar;

CREATE OR REPLACE TABLE marts.index_scores AS
SELECT series, unit_set, reporting_year, province_code, province_name, score, scored, not_scored_reason,
       children_expected, children_reported, children_imputed, coverage, aggregation, is_synthetic,
       methodology_version
FROM node_rows WHERE is_index;
