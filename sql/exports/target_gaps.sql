-- Gaps to target measured on this reporting year's figures (each target is measured on its latest value).
SELECT actual_year AS reporting_year, province_code, province_name, unit_set, target_id, target_source, subject,
       target_type, horizon_year, comparator, target_value, target_value_text, unit, actual_value,
       actual_basis, actual_province_name, gap, share_covered, observed_pace, required_pace,
       status_vi, status, status_reason, document, quote_vi, source, is_synthetic, methodology_version
FROM marts.target_gaps
WHERE actual_year = $year
ORDER BY province_name, horizon_year, subject, target_id
