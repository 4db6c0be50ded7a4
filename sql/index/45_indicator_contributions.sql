-- marts.indicator_contributions: how much each indicator adds to its province's index score.
-- effective_weight multiplies the normalised weights along every path from the index down to the
-- indicator (summed when an indicator feeds several parents), renormalised over the components the
-- province actually has. contribution = effective_weight x score; under arithmetic aggregation the
-- contributions of a province add up to its index score exactly (exact_decomposition = true).
-- The paths from the index down to each indicator are in contribution_paths (40_, 41_ files).
CREATE OR REPLACE TABLE marts.indicator_contributions AS
WITH per_indicator AS (
    SELECT series, reporting_year, province_code, code AS indicator_code,
           sum(weight) AS effective_weight, bool_and(exact) AS exact_decomposition
    FROM contribution_paths
    GROUP BY ALL
)
SELECT i.series, i.unit_set, i.reporting_year, i.province_code, i.province_name, i.indicator_code,
       i.value, i.value_status, i.score, p.effective_weight,
       p.effective_weight * i.score AS contribution,
       p.effective_weight * i.score / nullif(x.score, 0) AS share_of_index,
       p.exact_decomposition, i.is_synthetic, i.methodology_version
FROM per_indicator AS p
JOIN marts.indicator_scores AS i
  ON i.series = p.series AND coalesce(i.reporting_year, 0) = coalesce(p.reporting_year, 0)
 AND i.province_code = p.province_code AND i.indicator_code = p.indicator_code
JOIN marts.index_scores AS x
  ON x.series = p.series AND coalesce(x.reporting_year, 0) = coalesce(p.reporting_year, 0)
 AND x.province_code = p.province_code;
