-- Gaps to target as of this reporting year: each target measured on the latest figure known that year;
-- a current unit's page holds its own targets, those a former unit set (set_by) and the national ones.
SELECT as_of_year AS reporting_year, province_code, province_name, unit_set, target_id, target_source, set_by,
       subject, target_type, horizon_year, comparator, target_value, target_value_text, unit, actual_value,
       actual_year, actual_basis, actual_province_name, gap, share_covered, observed_pace, required_pace,
       baseline_value, baseline_year, trajectory_value, gap_to_trajectory, annual_growth, required_annual_growth,
       progress_ratio, status_method, status_vi, status, status_reason_vi, status_reason, document, quote_vi, source, is_synthetic,
       methodology_version
FROM marts.target_gaps,
     (SELECT any_value(unit_set) AS year_set FROM marts.index_scores
      WHERE series = 'as_reported' AND reporting_year = $year),
     (SELECT arg_max(unit_set, reporting_year) AS latest_set FROM marts.index_scores
      WHERE series = 'as_reported')
WHERE as_of_year = $year
  -- From the first year of the current units (2025) on, only they: a former unit's targets reach those files
  -- carried to its successor (set_by), not a second time on the former unit. Earlier years keep both, so a
  -- current unit's page can follow its gaps back through the years before it existed.
  AND NOT (unit_set <> year_set AND year_set = latest_set)
ORDER BY province_name, target_source DESC, horizon_year, subject, target_id
