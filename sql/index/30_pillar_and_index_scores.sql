-- marts.pillar_scores and marts.index_scores: the aggregated nodes of the framework, with how many of
-- their components were reported and, when a node could not be scored, why.
CREATE OR REPLACE TABLE marts.pillar_scores AS
SELECT ns.series, ns.unit_set, ns.reporting_year, ns.province_code, ns.province_name,
       ns.node AS pillar, n.name_vi AS pillar_name_vi, n.name_en AS pillar_name_en,
       ns.score, ns.scored, ns.not_scored_reason, ns.children_expected, ns.children_reported,
       ns.children_imputed, ns.coverage, ns.aggregation, ns.is_synthetic, s.version AS methodology_version
FROM node_scores AS ns
JOIN m_nodes AS n ON n.node = ns.node AND n.is_pillar
CROSS JOIN m_settings AS s;

CREATE OR REPLACE TABLE marts.index_scores AS
SELECT ns.series, ns.unit_set, ns.reporting_year, ns.province_code, ns.province_name,
       ns.score, ns.scored, ns.not_scored_reason, ns.children_expected, ns.children_reported,
       ns.children_imputed, ns.coverage, ns.aggregation, ns.is_synthetic, s.version AS methodology_version
FROM node_scores AS ns
JOIN m_nodes AS n ON n.node = ns.node AND n.is_index
CROSS JOIN m_settings AS s;
