-- marts.province_rankings: the index and each pillar ranked within each series and year.
-- Standard competition ranking on the score rounded to `score_decimals` (4), as the ministry ranks:
-- equal rounded scores share a rank and the next rank is skipped (1, 2, 2, 4). Provinces not scored
-- are not ranked (their reason is in index_scores / pillar_scores).
-- rank_change = previous rank - rank (positive = moved up), against the previous year of the same
-- series on the same units; where the units changed (2025, the first year of the 34 units) against the
-- previous year restated on the 34 units, named in previous_rank_series.
CREATE OR REPLACE TABLE marts.province_rankings AS
WITH scores AS (
    SELECT series, unit_set, reporting_year, province_code, province_name, 'index' AS ranking,
           score, is_synthetic, methodology_version
    FROM marts.index_scores WHERE scored
    UNION ALL
    SELECT series, unit_set, reporting_year, province_code, province_name, pillar AS ranking,
           score, is_synthetic, methodology_version
    FROM marts.pillar_scores WHERE scored
),
ranked AS (
    SELECT sc.*, round(sc.score, s.score_decimals) AS score_rounded,
           rank() OVER (PARTITION BY sc.series, sc.reporting_year, sc.ranking
                        ORDER BY round(sc.score, s.score_decimals) DESC) AS rank,
           count(*) OVER (PARTITION BY sc.series, sc.reporting_year, sc.ranking) AS units_ranked
    FROM scores AS sc, m_settings AS s
)
SELECT r.series, r.unit_set, r.reporting_year, r.province_code, r.province_name, r.ranking,
       r.score, r.score_rounded, r.rank, r.units_ranked,
       p.rank AS previous_rank, p.series AS previous_rank_series, p.rank - r.rank AS rank_change,
       r.is_synthetic, r.methodology_version
FROM ranked AS r
LEFT JOIN ranked AS p
  ON p.ranking = r.ranking AND p.reporting_year = r.reporting_year - 1
 AND p.unit_set = r.unit_set AND p.province_code = r.province_code
QUALIFY row_number() OVER (PARTITION BY r.series, r.reporting_year, r.ranking, r.province_code
                           ORDER BY (p.series = r.series) DESC NULLS LAST) = 1;
