-- Every ranking (each year, both series) on one row per province: the index score and rank with its
-- uncertainty interval (as-reported series) next to each pillar's score and rank. The pillar columns are
-- written in from the methodology file's pillars, in its order (sources/release/publish.py), as
--     max(score) FILTER (ranking = '<pillar>') AS "<pillar>_score", max(rank) ... AS "<pillar>_rank",
CREATE VIEW marts.ranking_with_pillars AS
WITH pivoted AS (
SELECT
    series, unit_set, reporting_year, province_code, province_name,
    max(rank) FILTER (ranking = 'index') AS rank,
    max(units_ranked) FILTER (ranking = 'index') AS units_ranked,
    max(score) FILTER (ranking = 'index') AS score,
    max(rank_change) FILTER (ranking = 'index') AS rank_change,
    $pillar_columns
    bool_or(is_synthetic) AS is_synthetic,
    any_value(methodology_version) AS methodology_version
FROM marts.province_rankings
GROUP BY ALL
)
SELECT p.series, p.unit_set, p.reporting_year, p.province_code, p.province_name, p.rank,
       u.median_rank, u.rank_p05, u.rank_p95, u.tie_group,
       p.* EXCLUDE (series, unit_set, reporting_year, province_code, province_name, rank)
FROM pivoted AS p
LEFT JOIN marts.rank_uncertainty AS u USING (series, unit_set, reporting_year, province_code);
