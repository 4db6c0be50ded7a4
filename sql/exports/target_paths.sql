-- What it takes to reach each rank or score target still ahead, planned from this reporting year (the
-- latest: earlier years have no plan): per target and scenario the improvement needed and the indicators
-- to move, each in its own unit, the engine's check and the probability of reaching it.
SELECT p.reporting_year, p.unit_set, p.province_code, p.province_name, p.target_id, p.target_source,
       p.target_holder_name, p.document, p.quote_vi, p.ranking, p.target_kind, p.comparator,
       p.target_value AS target_level, p.horizon_year, p.scenario, p.current_score, p.current_rank,
       p.score_needed, p.gap_points, p.normalised_points, p.feasible, p.planned_score, p.planned_rank,
       p.reaches_target, p.probability_now, p.probability_planned, p.method, p.step, p.indicator_code,
       i.name_vi AS indicator_name_vi, i.name_en AS indicator_name_en, p.unit, p.effective_weight, p.score_from,
       p.score_to, p.value_from, p.value_to, p.value_change, p.score_gain, p.is_synthetic, p.methodology_version
FROM marts.target_paths AS p
LEFT JOIN reference.indicators AS i ON i.code = p.indicator_code
WHERE p.reporting_year = $year
ORDER BY p.province_name, p.horizon_year, p.target_id, p.scenario, p.step NULLS FIRST
