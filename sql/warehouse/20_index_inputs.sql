-- Who is scored and with what: every unit of the set in force for each reporting year found in staging
-- (as_reported), and the 34 current units for every year (restated_34). A unit that reported nothing is
-- still listed, so it appears as not scored with its reason instead of vanishing.
CREATE OR REPLACE TEMP TABLE units_in AS
WITH years AS (SELECT DISTINCT reporting_year, unit_set FROM staging.figures)
SELECT 'as_reported' AS series, p.unit_set, y.reporting_year, p.code AS province_code, p.name AS province_name
FROM years AS y JOIN reference.provinces AS p USING (unit_set)
UNION ALL
SELECT 'restated_34', p.unit_set, y.reporting_year, p.code, p.name
FROM (SELECT DISTINCT reporting_year FROM years) AS y, reference.provinces AS p
WHERE p.unit_set = '34';

CREATE OR REPLACE TEMP TABLE values_in AS
SELECT series, reporting_year, province_code, indicator_code, value, value_status, traced_to, is_synthetic
FROM marts.indicator_values;
