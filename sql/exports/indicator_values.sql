-- Every indicator value of the year that the index used, as reported, named in both languages.
SELECT v.reporting_year, v.province_code, v.province_name, v.indicator_code, i.name_vi AS indicator_name_vi,
       i.name_en AS indicator_name_en, i.pillar, v.value, v.unit, v.value_status, v.flags_vi, v.flags, v.traced_to_vi, v.traced_to,
       v.is_synthetic, v.methodology_version
FROM marts.indicator_values AS v
LEFT JOIN reference.indicators AS i ON i.code = v.indicator_code
WHERE v.series = 'as_reported' AND v.reporting_year = $year
ORDER BY v.province_code, v.indicator_code
