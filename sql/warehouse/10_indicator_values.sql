-- marts.indicator_values: the value of every indicator, province and year that the index uses, in two
-- series:
--   as_reported   the units in force that year (63 up to 2024, 34 from 2025), values from staging.figures
--   restated_34   every year on the 34 current units: a former unit's figures merged into its successor
--                 by the methodology's rule for the indicator's kind (population-weighted mean for shares
--                 and rates, sum for counts, unweighted mean for index scores); a merged unit is restated
--                 only when every one of its former units reported the indicator. From 2025 the reported
--                 figures of the 34 units are the series itself.
-- Derived indicators (digital enterprises per 1,000 people) are computed in both series from their
-- numerator and the GSO 2022 average population (for a current unit: the sum over its former units), so
-- the two population bases of reference.population are never mixed.
-- traced_to names the file and row of every value, or the rule that produced it; flags carries the
-- WARN flags of staging.figure_flags (implausible change, file sent twice, ...) next to the value.
CREATE OR REPLACE TABLE marts.indicator_values AS
WITH flags AS (
    SELECT reporting_year, unit_set, province_code, indicator_code,
           string_agg(rule || ': ' || message, '; ' ORDER BY rule) AS flags,
           string_agg(message_vi, '; ' ORDER BY rule) AS flags_vi
    FROM staging.figure_flags
    GROUP BY ALL
),
reported AS (
    SELECT 'as_reported' AS series, f.unit_set, f.reporting_year, f.province_code, f.province_name,
           f.indicator_code, f.value, 'reported' AS value_status,
           f.file_name || coalesce(' [' || f.sheet || ']', '') || ' row ' || f.row_number AS traced_to,
           f.file_name || coalesce(' [' || f.sheet || ']', '') || ' dòng ' || f.row_number AS traced_to_vi,
           f.is_synthetic, g.flags, g.flags_vi
    FROM staging.figures AS f
    JOIN m_indicators AS i ON i.indicator_code = f.indicator_code
    LEFT JOIN flags AS g
      ON g.reporting_year = f.reporting_year AND g.unit_set = f.unit_set
     AND g.province_code = f.province_code AND g.indicator_code = f.indicator_code
),
members AS (
    SELECT new_code, count(*) AS former_units, sum(old_population_2022_thousand) AS population_thousand
    FROM reference.province_crosswalk
    GROUP BY new_code
),
restated AS (
    SELECT 'restated_34' AS series, '34' AS unit_set, r.reporting_year, c.new_code AS province_code,
           c.new_name AS province_name, r.indicator_code,
           CASE i.restatement
               WHEN 'sum' THEN sum(r.value)
               WHEN 'population_weighted_mean' THEN sum(r.value * c.old_population_2022_thousand) / sum(c.old_population_2022_thousand)
               WHEN 'unweighted_mean' THEN avg(r.value)
           END AS value,
           'restated' AS value_status,
           'restated (' || i.restatement || ') from ' || string_agg(r.province_name, ' + ' ORDER BY r.province_code) AS traced_to,
           'quy đổi (' || CASE i.restatement WHEN 'sum' THEN 'cộng' WHEN 'population_weighted_mean' THEN 'bình quân theo dân số'
                                ELSE 'bình quân' END
               || ') từ ' || string_agg(r.province_name, ' + ' ORDER BY r.province_code) AS traced_to_vi,
           bool_or(r.is_synthetic) AS is_synthetic,
           string_agg(r.province_name || ' ' || r.flags, '; ') AS flags,
           string_agg(r.province_name || ' ' || r.flags_vi, '; ') AS flags_vi
    FROM reported AS r
    JOIN reference.province_crosswalk AS c ON c.old_code = r.province_code
    JOIN m_indicators AS i ON i.indicator_code = r.indicator_code
    JOIN members AS m ON m.new_code = c.new_code
    WHERE r.unit_set = '63'
    GROUP BY r.reporting_year, c.new_code, c.new_name, r.indicator_code, i.restatement, m.former_units
    HAVING count(*) = m.former_units
),
current_units AS (
    SELECT 'restated_34' AS series, * EXCLUDE (series) FROM reported WHERE unit_set = '34'
),
base AS (
    SELECT * FROM reported
    UNION ALL BY NAME SELECT * FROM restated
    UNION ALL BY NAME SELECT * FROM current_units
),
population AS (
    SELECT '63' AS unit_set, code AS province_code, population_thousand FROM reference.population WHERE unit_set = '63'
    UNION ALL
    SELECT '34', new_code, population_thousand FROM members
),
derived AS (
    SELECT b.series, b.unit_set, b.reporting_year, b.province_code, b.province_name, i.indicator_code,
           b.value / (p.population_thousand * 1000) * i.derived_per AS value,
           'derived' AS value_status,
           format('{} / GSO 2022 population ({} thousand) x {}', b.indicator_code, p.population_thousand, i.derived_per) AS traced_to,
           format('{} / dân số trung bình 2022 của TCTK ({} nghìn người) × {}', n.name_vi, p.population_thousand, i.derived_per) AS traced_to_vi,
           b.is_synthetic, b.flags, b.flags_vi
    FROM base AS b
    JOIN m_indicators AS i ON i.derived_numerator = b.indicator_code
    JOIN population AS p USING (unit_set, province_code)
    JOIN reference.indicators AS n ON n.code = b.indicator_code
    WHERE b.reporting_year BETWEEN i.valid_from AND coalesce(i.valid_to, b.reporting_year)
)
SELECT v.*, i.unit, s.version AS methodology_version
FROM (SELECT * FROM base UNION ALL BY NAME SELECT * FROM derived) AS v
JOIN m_indicators AS i USING (indicator_code)
CROSS JOIN m_settings AS s
ORDER BY series, reporting_year, province_code, indicator_code;
