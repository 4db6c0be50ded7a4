-- Progress towards a target as statistics offices measure it: the progress measure of Statistics Canada
-- adopted by Open SDG (open-sdg/sdg-build sdg/ProgressMeasure.py; open-sdg docs/progress-methodology.md).
-- marts.target_gaps uses it when the methodology says gap_status.method: open_sdg; sources/index/progress.py
-- evaluates these same macros for Python callers (and the tests reproduce the documentation's cases on them).
--
--   growth      compound annual growth from the base year to the latest: (latest / base)^(1 / years) - 1
--   with a target: R = s · d · growth / |required growth|, the required growth being from the base value to
--               the target by the target year; d = +1 when higher is better, -1 otherwise; s = -1 when the
--               base value is negative. R ≥ 0.95 on track, ≥ 0.60 acceleration needed, ≥ 0 limited
--               progress, < 0 deterioration; a latest value meeting the target is "target met" whatever R.
--   without a target: the directed growth s · d · growth against 1.5% / 0.5% / 0, scaled down near a natural
--               limit by C = 1 - (base / limit)^4.44 (mirrored above the limit, 1 beyond twice it).
--   a base value or target of exactly 0 counts as 0.001; base and latest of opposite signs, or fewer than
--   one year between them, give no value.

CREATE OR REPLACE TEMP MACRO open_sdg_nonzero(x) AS CASE WHEN x = 0 THEN 0.001 ELSE x END;

CREATE OR REPLACE TEMP MACRO compound_annual_growth(latest, base, latest_year, base_year) AS
    pow(latest / base, 1.0 / (latest_year - base_year)) - 1;

-- The observed growth where the measure defines it: NULL with fewer than one year between base and latest or
-- values of opposite signs (a zero base counts as 0.001).
CREATE OR REPLACE TEMP MACRO open_sdg_growth(base, base_year, latest, latest_year) AS
    CASE
        WHEN base IS NULL OR latest IS NULL OR latest_year - base_year < 1 THEN NULL
        WHEN (open_sdg_nonzero(base) > 0 AND latest < 0) OR (open_sdg_nonzero(base) < 0 AND latest > 0) THEN NULL
        ELSE compound_annual_growth(latest, open_sdg_nonzero(base), latest_year, base_year)
    END;

-- The required growth to the target (NULL without one or when the target year is not after the base year).
CREATE OR REPLACE TEMP MACRO open_sdg_required_growth(base, base_year, target, target_year) AS
    CASE WHEN target IS NOT NULL AND base IS NOT NULL AND target_year > base_year
         THEN compound_annual_growth(open_sdg_nonzero(target), open_sdg_nonzero(base), target_year, base_year) END;

-- R with a target (target not NULL), the directed growth without; NULL where the measure is undefined.
CREATE OR REPLACE TEMP MACRO open_sdg_raw_value(base, base_year, latest, latest_year, direction, target, target_year) AS
    (CASE WHEN base < 0 THEN -1 ELSE 1 END) * direction * open_sdg_growth(base, base_year, latest, latest_year)
    / CASE WHEN target IS NULL THEN 1
           ELSE nullif(abs(open_sdg_required_growth(base, base_year, target, target_year)), 0) END;
CREATE OR REPLACE TEMP MACRO open_sdg_value(base, base_year, latest, latest_year, direction, target, target_year) AS
    CASE WHEN NOT isnan(open_sdg_raw_value(base, base_year, latest, latest_year, direction, target, target_year))
         THEN open_sdg_raw_value(base, base_year, latest, latest_year, direction, target, target_year) END;

-- Whether the latest value meets the target: at or above it when higher is better, at or below otherwise.
CREATE OR REPLACE TEMP MACRO open_sdg_target_met(latest, direction, target) AS
    target IS NOT NULL AND latest IS NOT NULL
    AND ((direction = 1 AND latest >= open_sdg_nonzero(target)) OR (direction = -1 AND latest <= open_sdg_nonzero(target)));

-- The factor C (0 to 1) scaling the thresholds without a target near a natural limit (1 without a limit).
CREATE OR REPLACE TEMP MACRO open_sdg_limit_factor(base, limit_value) AS
    CASE
        WHEN limit_value IS NULL THEN 1.0
        WHEN abs(base) >= 2 * abs(limit_value) THEN 1.0
        WHEN abs(base) <= abs(limit_value) THEN 1 - pow(abs(base) / abs(limit_value), 4.44)
        ELSE 1 - pow((2 * abs(limit_value) - abs(base)) / abs(limit_value), 4.44)
    END;

-- The lower bounds of on track, acceleration needed and limited progress.
CREATE OR REPLACE TEMP MACRO open_sdg_thresholds(has_target, base, limit_value) AS
    CASE WHEN has_target THEN [0.95, 0.60, 0.0]
         ELSE [0.015 * open_sdg_limit_factor(open_sdg_nonzero(base), limit_value),
               0.005 * open_sdg_limit_factor(open_sdg_nonzero(base), limit_value), 0.0] END;

-- The status, in this project's words (marts.target_gaps): target met, on track, acceleration needed,
-- limited progress, deterioration, no data.
CREATE OR REPLACE TEMP MACRO open_sdg_status(value, target_met, thresholds) AS
    CASE
        WHEN target_met THEN 'target met'
        WHEN value IS NULL OR isnan(value) THEN 'no data'
        WHEN value >= thresholds[1] THEN 'on track'
        WHEN value >= thresholds[2] THEN 'acceleration needed'
        WHEN value >= thresholds[3] THEN 'limited progress'
        ELSE 'deterioration'
    END;
