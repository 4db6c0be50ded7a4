-- marts.target_gaps: every province's distance to its targets.
--
-- As of which year
--   * every target is measured as of every reporting year (as_of_year) on the figures of that year and
--     before: what was known then, so each year's release has its gaps and a page shows how a gap moved.
-- Whose targets
--   * each target of reference.target_registry stays with the unit that set it (a former unit keeps
--     its targets after the merger) and is carried to its successor among the 34 current units, labelled
--     with the unit that set it (set_by); "every indicator above the national mean" (indicator *) becomes
--     one row per catalogue indicator with a national target (target_id TNI-01:<indicator>);
--   * the national targets (749/QĐ-TTg, 411/QĐ-TTg) for every indicator and horizon where the unit set
--     none: for the units that set targets and for the 34 current units.
-- Which figures
--   * a current unit: the restated_34 series (former units merged by the methodology's rule, labelled
--     'restated') up to 2024, its own figures from 2025;
--   * a former unit: its own figures up to 2024, then its successor's, labelled 'successor' and named in
--     actual_province_name - never silently reassigned.
--   Rank targets use the rank in this index (and show the official published rank where known);
--   score targets ("≥ 800/1000 điểm", unit points_1000) compare the index or pillar score, 0-1, with the
--   points / 1000; "at least k of the main indicators in the top n" (subject main_indicators_in_top_<n>)
--   counts the methodology's main_indicators whose rank among the units of the year is n or better;
--   relative targets ("above the national mean") compare with the mean of the same year and units;
--   period averages ("2021-2025 … bình quân hằng năm 9,6%") average the years of the period.
-- Status (gap_status in the methodology file):
--   target met | on track | acceleration needed | limited progress | deterioration | no data
--   method project: pace_ratio = observed yearly pace since the baseline / yearly pace still required to the
--     horizon, against the file's thresholds;
--   method open_sdg: progress_ratio = the Open SDG measure (sql/warehouse/00_progress.sql: compound annual
--     growth since the baseline / growth required from the baseline to the target), thresholds 0.95 / 0.60 /
--     0; a latest value at or beyond the target is "target met". Period averages have no Open SDG measure
--     and keep the project's rule (status_method says which applied).
--   Both measures are published whichever decides the status.
-- Trajectory (as the EU's Digital Decade reports draw it): the straight path from the baseline to the target
--   at the horizon; trajectory_value is where that path stands in the latest year, gap_to_trajectory how far
--   ahead (+) or behind (-) of it the unit is, in the target's direction.
CREATE OR REPLACE TABLE marts.target_gaps AS
WITH national AS (
    SELECT indicator, horizon_year, comparator, value, unit, document, description_vi, source
    FROM reference.national_targets
),
registry AS (
    SELECT CASE WHEN r.indicator = '*' THEN r.target_id || ':' || n.indicator ELSE r.target_id END AS target_id,
           'resolution' AS target_source, r.unit_set, r.province_code, r.document_id,
           coalesce(r.document, r.document_id) AS document, r.quote_vi, r.source,
           coalesce(n.indicator, r.indicator) AS subject, r.target_type, r.horizon_year, r.period_start_year,
           r.comparator,
           -- score targets are written in points out of 1000 (as the ministry publishes the DTI); scores are 0-1
           CASE WHEN r.unit = 'points_1000' THEN r.value / 1000 ELSE r.value END AS target_value,
           CASE WHEN r.unit = 'points_1000' THEN coalesce(r.value_text, CASE WHEN r.value = round(r.value) THEN r.value::BIGINT::VARCHAR ELSE r.value::VARCHAR END || '/1000') ELSE r.value_text END AS value_text,
           CASE WHEN r.unit = 'points_1000' THEN 'score' ELSE coalesce(n.unit, r.unit) END AS unit, r.note
    FROM reference.target_registry AS r
    LEFT JOIN (SELECT DISTINCT indicator, unit FROM national) AS n ON r.indicator = '*'
),
-- A former unit's targets, carried to the current unit it merged into (measured on that unit's figures).
carried AS (
    SELECT r.* REPLACE ('34' AS unit_set, c.new_code AS province_code), r.province_code AS set_by_code
    FROM registry AS r
    JOIN reference.province_crosswalk AS c ON r.unit_set = '63' AND c.old_code = r.province_code
),
holders AS (
    SELECT DISTINCT unit_set, province_code FROM registry
    UNION
    SELECT unit_set, code FROM reference.provinces WHERE unit_set = '34'
),
national_for_holders AS (
    SELECT 'national:' || n.indicator || ':' || n.horizon_year AS target_id, 'national' AS target_source,
           h.unit_set, h.province_code, n.document AS document_id, n.document, n.description_vi AS quote_vi,
           n.source, n.indicator AS subject, 'absolute' AS target_type, n.horizon_year,
           NULL::INTEGER AS period_start_year, n.comparator, n.value AS target_value, NULL AS value_text,
           n.unit, 'National target: the unit set none for this indicator and horizon.' AS note
    FROM holders AS h
    CROSS JOIN national AS n
    WHERE NOT EXISTS (
        SELECT 1 FROM registry AS r
        WHERE r.unit_set = h.unit_set AND r.province_code = h.province_code
          AND r.subject = n.indicator AND r.horizon_year = n.horizon_year)
),
targets AS (
    SELECT *, province_code AS set_by_code FROM registry
    UNION ALL BY NAME
    SELECT * FROM carried
    UNION ALL BY NAME
    SELECT * FROM national_for_holders
),
as_of AS (
    SELECT DISTINCT reporting_year AS as_of_year FROM marts.indicator_values
),
-- How many of the methodology's main indicators each unit has in the top n of a year (competition ranks of
-- the rounded scores, as marts.province_strengths ranks them), for every n a target names.
main_indicators_in_top AS (
    WITH tops AS (
        SELECT DISTINCT subject, regexp_extract(subject, '^main_indicators_in_top_([0-9]+)$', 1)::INTEGER AS top_n
        FROM targets WHERE regexp_matches(subject, '^main_indicators_in_top_[0-9]+$')
    ),
    ranked AS (
        SELECT s.series, s.unit_set, s.province_code, s.province_name, s.reporting_year, s.is_synthetic,
               rank() OVER (PARTITION BY s.series, s.unit_set, s.reporting_year, s.indicator_code
                            ORDER BY round(s.score, m.score_decimals) DESC) AS indicator_rank
        FROM marts.indicator_scores AS s
        JOIN m_main_indicators AS mi ON mi.indicator_code = s.indicator_code
        CROSS JOIN m_settings AS m
        WHERE s.score IS NOT NULL
    )
    SELECT r.series, r.unit_set, r.province_code, arg_max(r.province_name, r.province_name) AS province_name,
           t.subject, r.reporting_year, count(*) FILTER (WHERE r.indicator_rank <= t.top_n)::DOUBLE AS in_top,
           bool_or(r.is_synthetic) AS is_synthetic
    FROM ranked AS r CROSS JOIN tops AS t
    GROUP BY r.series, r.unit_set, r.province_code, t.subject, r.reporting_year
),
-- Every figure a target can be measured against, per unit set, unit, subject and year.
observations AS (
    SELECT series, unit_set, province_code, province_name, indicator_code AS subject, reporting_year,
           value, is_synthetic
    FROM marts.indicator_values
    UNION ALL
    SELECT series, unit_set, province_code, province_name,
           CASE ranking WHEN 'index' THEN 'dti_rank' ELSE 'dti_' || ranking || '_rank' END,
           reporting_year, rank, is_synthetic
    FROM marts.province_rankings
    UNION ALL
    SELECT series, unit_set, province_code, province_name, 'dti_score', reporting_year, score, is_synthetic
    FROM marts.index_scores WHERE scored
    UNION ALL
    SELECT series, unit_set, province_code, province_name, 'dti_' || pillar || '_score', reporting_year, score,
           is_synthetic
    FROM marts.pillar_scores WHERE scored
    UNION ALL
    SELECT series, unit_set, province_code, province_name, subject, reporting_year, in_top, is_synthetic
    FROM main_indicators_in_top
),
observations_with_mean AS (
    -- Exact sums: the rows arrive in the order the engine wrote them (every thread), and a float mean would
    -- differ in its last bits from run to run.
    SELECT *, (sum(value::DECIMAL(38, 18)) OVER same_subject / count(value) OVER same_subject)::DOUBLE AS national_mean
    FROM observations
    WINDOW same_subject AS (PARTITION BY series, reporting_year, subject)
),
-- The history each target is measured on (see "Which figures" above).
history AS (
    SELECT t.target_id, t.unit_set, t.province_code, a.as_of_year, o.reporting_year, o.value, o.national_mean,
           o.province_name AS actual_province_name, o.unit_set AS actual_unit_set, o.province_code AS actual_province_code,
           CASE WHEN t.unit_set = '34' AND o.reporting_year < 2025 THEN 'restated'
                WHEN t.unit_set = '63' AND o.unit_set = '34' THEN 'successor'
                ELSE 'own' END AS basis,
           o.is_synthetic
    FROM targets AS t
    CROSS JOIN as_of AS a
    JOIN observations_with_mean AS o
      ON o.reporting_year <= a.as_of_year
     AND o.subject = CASE WHEN t.target_type = 'relative' AND t.subject = 'dti_rank' THEN 'dti_score' ELSE t.subject END
     AND o.value IS NOT NULL
     AND (
          (t.unit_set = '34' AND o.series = 'restated_34' AND o.unit_set = '34' AND o.province_code = t.province_code)
       OR (t.unit_set = '63' AND o.series = 'as_reported' AND o.unit_set = '63' AND o.province_code = t.province_code)
       OR (t.unit_set = '63' AND o.series = 'as_reported' AND o.unit_set = '34'
           AND o.province_code = (SELECT c.new_code FROM reference.province_crosswalk AS c WHERE c.old_code = t.province_code))
     )
     AND (t.target_type <> 'period_average'
          OR o.reporting_year BETWEEN t.period_start_year AND t.horizon_year)
),
-- What is compared with the target: the value, or for relative targets its distance to the mean.
tracked AS (
    SELECT h.*, CASE WHEN t.target_type = 'relative' THEN h.value - h.national_mean ELSE h.value END AS tracked_value
    FROM history AS h JOIN targets AS t USING (target_id, unit_set, province_code)
),
summary AS (
    SELECT target_id, unit_set, province_code, as_of_year,
           arg_max(value, reporting_year) AS actual_value,
           max(reporting_year) AS actual_year,
           arg_max(tracked_value, reporting_year) AS actual_tracked,
           arg_max(national_mean, reporting_year) AS national_mean,
           arg_max(basis, reporting_year) AS actual_basis,
           arg_max(actual_province_name, reporting_year) AS actual_province_name,
           arg_max(actual_unit_set, reporting_year) AS actual_unit_set,
           arg_min(value, reporting_year) AS baseline_value,
           arg_min(tracked_value, reporting_year) AS baseline_tracked,
           min(reporting_year) AS baseline_year,
           (sum(value::DECIMAL(38, 18)) / count(value))::DOUBLE AS period_mean,
           sum(value::DECIMAL(38, 18))::DOUBLE AS period_sum,
           count(*) AS years_observed,
           arg_max(is_synthetic, reporting_year) AS is_synthetic
    FROM tracked
    GROUP BY target_id, unit_set, province_code, as_of_year
),
official AS (
    SELECT unit_set, province_code, arg_max(rank, year) AS official_rank, max(year) AS official_rank_year
    FROM reference.dti_published WHERE rank IS NOT NULL
    GROUP BY ALL
),
measured AS (
    SELECT t.*, a.as_of_year, p.name AS province_name, b.name AS set_by,
           s.* EXCLUDE (target_id, unit_set, province_code, as_of_year),
           o.official_rank, o.official_rank_year,
           -- internal target on the tracked scale: relative targets aim at a distance to the mean above 0
           CASE WHEN t.target_type = 'relative' THEN 0.0 ELSE t.target_value END AS aim,
           CASE WHEN t.target_type = 'period_average' THEN s.period_mean ELSE s.actual_tracked END AS current,
           t.target_type = 'period_average' AND s.actual_year >= t.horizon_year AS period_complete,
           m.on_track_min_ratio, m.acceleration_min_ratio, m.approx_tolerance, m.version AS methodology_version,
           CASE WHEN m.gap_method = 'open_sdg' AND t.target_type NOT IN ('period_average', 'tier') THEN 'open_sdg'
                ELSE 'project' END AS status_method
    FROM targets AS t
    CROSS JOIN as_of AS a
    JOIN reference.provinces AS p ON p.unit_set = t.unit_set AND p.code = t.province_code
    LEFT JOIN reference.provinces AS b
      ON t.target_source = 'resolution' AND b.unit_set = '63' AND b.code = t.set_by_code
    LEFT JOIN summary AS s
      ON s.target_id = t.target_id AND s.unit_set = t.unit_set AND s.province_code = t.province_code
     AND s.as_of_year = a.as_of_year
    LEFT JOIN official AS o ON t.subject = 'dti_rank' AND o.unit_set = t.unit_set AND o.province_code = t.province_code
    CROSS JOIN m_settings AS m
),
judged AS (
    SELECT *,
        CASE comparator
            WHEN '≥' THEN current >= aim WHEN '>' THEN current > aim
            WHEN '≤' THEN current <= aim WHEN '<' THEN current < aim
            WHEN '≈' THEN abs(current - aim) <= approx_tolerance * abs(aim)
            WHEN '=' THEN current = aim
        END AS satisfied,
        -- the direction in which the value still has to move: +1 up, -1 down
        CASE WHEN comparator IN ('≥', '>') THEN 1 WHEN comparator IN ('≤', '<') THEN -1
             ELSE sign(aim - current) END AS needed_direction,
        CASE WHEN actual_year > baseline_year
             THEN (actual_tracked - baseline_tracked) / (actual_year - baseline_year) END AS observed_pace,
        CASE WHEN target_type = 'period_average' AND NOT period_complete
             THEN (aim * (horizon_year - period_start_year + 1) - period_sum) / (horizon_year - actual_year)
             WHEN target_type <> 'period_average' AND horizon_year > actual_year
             THEN (aim - actual_tracked) / (horizon_year - actual_year) END AS required_pace,
        -- the direction of the straight path from the baseline to the target
        CASE WHEN comparator IN ('≥', '>') THEN 1 WHEN comparator IN ('≤', '<') THEN -1
             ELSE sign(aim - baseline_tracked) END AS path_direction,
        -- Open SDG works on the values themselves: a relative target aims at the national mean
        CASE WHEN target_type = 'relative' THEN national_mean ELSE target_value END AS open_sdg_target
    FROM measured
),
directed AS (
    SELECT *,
        -- the direction Open SDG measures in: +1 when higher is better
        CASE WHEN comparator IN ('≥', '>') THEN 1 WHEN comparator IN ('≤', '<') THEN -1
             ELSE sign(open_sdg_target - baseline_value) END AS open_sdg_direction
    FROM judged
),
pathed AS (
    SELECT *,
        CASE WHEN target_type NOT IN ('period_average', 'tier') AND horizon_year > baseline_year
             THEN baseline_tracked + (aim - baseline_tracked)
                  * least(1.0, (actual_year - baseline_year) / (horizon_year - baseline_year)) END AS trajectory_tracked,
        open_sdg_value(baseline_value, baseline_year, actual_value, actual_year, open_sdg_direction,
                       open_sdg_target, horizon_year) AS progress_ratio,
        open_sdg_growth(baseline_value, baseline_year, actual_value, actual_year) AS annual_growth,
        open_sdg_required_growth(baseline_value, baseline_year, open_sdg_target, horizon_year) AS required_annual_growth,
        open_sdg_target_met(actual_value, open_sdg_direction, open_sdg_target) AS open_sdg_met
    FROM directed
),
rated AS (
    SELECT *,
        CASE WHEN target_type = 'period_average' THEN current / nullif(required_pace, 0)
             ELSE observed_pace / nullif(required_pace, 0) END AS pace_ratio
    FROM pathed
),
statused AS (
    SELECT *,
        CASE
            WHEN target_type = 'tier' THEN 'no data'
            WHEN actual_value IS NULL THEN 'no data'
            WHEN status_method = 'open_sdg'
                THEN open_sdg_status(progress_ratio, open_sdg_met, open_sdg_thresholds(true, baseline_value, NULL))
            WHEN satisfied AND (target_type <> 'period_average' OR period_complete) THEN 'target met'
            WHEN target_type = 'period_average' AND satisfied THEN 'on track'
            WHEN target_type <> 'period_average' AND observed_pace IS NULL THEN 'no data'
            WHEN target_type <> 'period_average' AND observed_pace * needed_direction < 0 THEN 'deterioration'
            WHEN pace_ratio IS NULL THEN 'limited progress'
            WHEN pace_ratio >= on_track_min_ratio THEN 'on track'
            WHEN pace_ratio >= acceleration_min_ratio THEN 'acceleration needed'
            ELSE 'limited progress'
        END AS status,
        CASE
            WHEN target_type = 'tier' THEN 'tier targets are not assessed: the ministry publishes no tier thresholds in the sources found'
            WHEN actual_value IS NULL AND subject LIKE 'main_indicators_in_top_%' AND NOT EXISTS (SELECT 1 FROM m_main_indicators)
                THEN 'the methodology names no main indicators'
            WHEN actual_value IS NULL THEN 'no figure for ' || subject || ' for this unit'
            WHEN status_method = 'open_sdg' AND open_sdg_met THEN 'Open SDG: the latest value meets the target'
            WHEN status_method = 'open_sdg' AND progress_ratio IS NULL
                THEN 'Open SDG: no measure (one year of figures, values of opposite signs or a horizon not after the baseline)'
            WHEN status_method = 'open_sdg'
                THEN format('Open SDG: growth {:.1f}% a year against {:.1f}% required (ratio {:.2f})',
                            100 * annual_growth, 100 * required_annual_growth, progress_ratio)
            WHEN satisfied AND (target_type <> 'period_average' OR period_complete) THEN 'the latest value satisfies the target'
            WHEN target_type = 'period_average' AND satisfied THEN 'the average so far satisfies the target; the period is not over'
            WHEN target_type <> 'period_average' AND observed_pace IS NULL THEN 'one year of figures only: no trend to assess'
            WHEN target_type <> 'period_average' AND observed_pace * needed_direction < 0 THEN 'moved away from the target since ' || baseline_year
            WHEN pace_ratio IS NULL THEN 'the horizon has passed and the target was not met'
            ELSE format('observed pace is {:.0f}% of the pace required', 100 * pace_ratio)
        END AS status_reason,
        CASE
            WHEN target_type = 'tier' THEN 'không đánh giá mục tiêu xếp loại: Bộ chưa công bố ngưỡng xếp loại trong các nguồn tìm được'
            WHEN actual_value IS NULL AND subject LIKE 'main_indicators_in_top_%' AND NOT EXISTS (SELECT 1 FROM m_main_indicators)
                THEN 'phương pháp tính không nêu các chỉ số chính'
            WHEN actual_value IS NULL THEN coalesce('đơn vị không có số liệu về ' || (SELECT i.name_vi FROM reference.indicators AS i WHERE i.code = subject), 'đơn vị không có số liệu cho đối tượng của mục tiêu này')
            WHEN status_method = 'open_sdg' AND open_sdg_met THEN 'Open SDG: giá trị mới nhất đạt mục tiêu'
            WHEN status_method = 'open_sdg' AND progress_ratio IS NULL
                THEN 'Open SDG: không tính được (mới có một năm số liệu, giá trị trái dấu hoặc năm phải đạt không sau năm gốc)'
            WHEN status_method = 'open_sdg'
                THEN replace(format('Open SDG: tăng {:.1f}%/năm so với {:.1f}%/năm cần thiết (tỷ số {:.2f})',
                                    100 * annual_growth, 100 * required_annual_growth, progress_ratio), '.', ',')
            WHEN satisfied AND (target_type <> 'period_average' OR period_complete) THEN 'giá trị mới nhất đạt mục tiêu'
            WHEN target_type = 'period_average' AND satisfied THEN 'bình quân đến nay đạt mục tiêu; giai đoạn chưa kết thúc'
            WHEN target_type <> 'period_average' AND observed_pace IS NULL THEN 'mới có số liệu một năm: chưa đánh giá được xu hướng'
            WHEN target_type <> 'period_average' AND observed_pace * needed_direction < 0 THEN 'đi xa mục tiêu hơn kể từ năm ' || baseline_year
            WHEN pace_ratio IS NULL THEN 'đã qua năm phải đạt mà chưa đạt mục tiêu'
            ELSE format('tốc độ đã đạt bằng {:.0f}% tốc độ cần thiết', 100 * pace_ratio)
        END AS status_reason_vi
    FROM rated
)
SELECT as_of_year, unit_set, province_code, province_name, target_id, target_source, set_by, document_id, document,
       quote_vi, source,
       subject, target_type, horizon_year, period_start_year, comparator,
       CASE WHEN target_type = 'relative' THEN national_mean ELSE target_value END AS target_value,
       value_text AS target_value_text, unit,
       actual_value, actual_year, actual_basis, actual_unit_set, actual_province_name,
       CASE WHEN target_type = 'period_average' THEN period_mean END AS period_average,
       official_rank, official_rank_year,
       baseline_value, baseline_year,
       CASE WHEN needed_direction IS NULL OR current IS NULL THEN NULL
            WHEN comparator IN ('≈', '=') THEN abs(aim - current)
            ELSE (aim - current) * needed_direction END AS gap,
       CASE WHEN target_type NOT IN ('period_average') AND aim <> baseline_tracked
            THEN (actual_tracked - baseline_tracked) / (aim - baseline_tracked) END AS share_covered,
       observed_pace, required_pace, pace_ratio,
       annual_growth, required_annual_growth, progress_ratio,
       trajectory_tracked + CASE WHEN target_type = 'relative' THEN national_mean ELSE 0 END AS trajectory_value,
       (actual_tracked - trajectory_tracked) * path_direction AS gap_to_trajectory,
       status_method,
       status,
       (SELECT v.vi FROM reference.vocabularies AS v WHERE v.vocabulary = 'status' AND v.value = statused.status) AS status_vi,
       status_reason, status_reason_vi, note, is_synthetic, methodology_version
FROM statused
ORDER BY as_of_year, unit_set DESC, province_code, horizon_year, target_source DESC, target_id;
