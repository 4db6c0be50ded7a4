-- Index and pillar scores of every year on the 34 current units (restated_34) and as reported: the
-- series a province's page draws over the years.
SELECT series, unit_set, reporting_year, province_code, province_name, rank, score,
       $pillar_scores, is_synthetic
FROM marts.ranking_with_pillars
ORDER BY series, unit_set, province_code, reporting_year
