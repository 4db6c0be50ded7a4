-- One reporting year's ranking as reported, with each pillar: the table ministry staff download.
SELECT reporting_year, rank, rank_p05, rank_p95, median_rank, province_code, province_name, unit_set, score, rank_change, units_ranked,
       $pillar_columns,
       is_synthetic, methodology_version
FROM marts.ranking_with_pillars
WHERE series = 'as_reported' AND reporting_year = $year
ORDER BY rank NULLS LAST, province_name
