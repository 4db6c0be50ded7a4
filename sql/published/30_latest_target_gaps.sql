-- Gaps to target of the units ranked in the latest year, as of that year, the columns a reader needs first.
CREATE VIEW marts.latest_target_gaps AS
SELECT g.province_code, g.province_name, g.target_id, g.target_source, g.set_by, g.subject, g.horizon_year,
       g.comparator, g.target_value, g.unit, g.actual_value, g.actual_year, g.gap, g.share_covered,
       g.trajectory_value, g.gap_to_trajectory, g.progress_ratio, g.status_method, g.status, g.status_vi, g.status_reason, g.status_reason_vi, g.document, g.quote_vi, g.is_synthetic
FROM marts.target_gaps AS g
WHERE g.unit_set = (SELECT any_value(unit_set) FROM marts.latest_ranking)
  AND g.as_of_year = (SELECT max(as_of_year) FROM marts.target_gaps)
ORDER BY g.province_name, g.horizon_year, g.subject;
