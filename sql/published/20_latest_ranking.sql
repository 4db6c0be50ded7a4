-- The ranking ministry staff ask for first: the latest reporting year as reported, with pillars and how
-- the province stands against its targets.
CREATE VIEW marts.latest_ranking AS
WITH gaps AS (
    SELECT unit_set, province_code,
           count(*) AS targets,
           count(*) FILTER (status = 'target met') AS targets_met,
           count(*) FILTER (status IN ('limited progress', 'deterioration', 'acceleration needed')) AS targets_behind
    FROM marts.target_gaps GROUP BY ALL
)
SELECT r.*, coalesce(g.targets, 0) AS targets, coalesce(g.targets_met, 0) AS targets_met,
       coalesce(g.targets_behind, 0) AS targets_behind
FROM marts.ranking_with_pillars AS r
LEFT JOIN gaps AS g USING (unit_set, province_code)
WHERE r.series = 'as_reported'
  AND r.reporting_year = (SELECT max(reporting_year) FROM marts.province_rankings WHERE series = 'as_reported')
ORDER BY r.rank NULLS LAST, r.province_name;
COMMENT ON VIEW marts.latest_ranking IS 'Bảng xếp hạng năm mới nhất, kèm trụ cột và số mục tiêu đã đạt | EN: The latest year''s ranking as reported, with pillars and target counts.';
COMMENT ON COLUMN marts.latest_ranking.series IS 'Chuỗi số liệu | EN: Always as_reported.';
COMMENT ON COLUMN marts.latest_ranking.unit_set IS 'Bộ đơn vị hành chính | EN: Unit set of province_code.';
COMMENT ON COLUMN marts.latest_ranking.reporting_year IS 'Năm báo cáo | EN: Latest reporting year.';
COMMENT ON COLUMN marts.latest_ranking.province_code IS 'Mã tỉnh (GSO) | EN: GSO code within unit_set.';
COMMENT ON COLUMN marts.latest_ranking.province_name IS 'Tỉnh/thành phố | EN: Official name.';
COMMENT ON COLUMN marts.latest_ranking.rank IS 'Hạng theo chỉ số | EN: Rank on the index (1 = best).';
COMMENT ON COLUMN marts.latest_ranking.units_ranked IS 'Số đơn vị được xếp hạng | EN: Units ranked.';
COMMENT ON COLUMN marts.latest_ranking.score IS 'Điểm chỉ số (0–1) | EN: Index score (0-1).';
COMMENT ON COLUMN marts.latest_ranking.rank_change IS 'Thay đổi hạng | EN: Change of rank since the previous year (positive = up).';
COMMENT ON COLUMN marts.latest_ranking.government_score IS 'Điểm chính quyền số | EN: Digital government pillar score.';
COMMENT ON COLUMN marts.latest_ranking.government_rank IS 'Hạng chính quyền số | EN: Digital government pillar rank.';
COMMENT ON COLUMN marts.latest_ranking.economy_score IS 'Điểm kinh tế số | EN: Digital economy pillar score.';
COMMENT ON COLUMN marts.latest_ranking.economy_rank IS 'Hạng kinh tế số | EN: Digital economy pillar rank.';
COMMENT ON COLUMN marts.latest_ranking.society_score IS 'Điểm xã hội số | EN: Digital society pillar score.';
COMMENT ON COLUMN marts.latest_ranking.society_rank IS 'Hạng xã hội số | EN: Digital society pillar rank.';
COMMENT ON COLUMN marts.latest_ranking.is_synthetic IS 'Dữ liệu mô phỏng | EN: True when the figures are SYNTHETIC demo data.';
COMMENT ON COLUMN marts.latest_ranking.methodology_version IS 'Phiên bản phương pháp | EN: Methodology version.';
COMMENT ON COLUMN marts.latest_ranking.targets IS 'Số mục tiêu được theo dõi | EN: Targets tracked for the province (marts.target_gaps).';
COMMENT ON COLUMN marts.latest_ranking.targets_met IS 'Số mục tiêu đã đạt | EN: Targets met.';
COMMENT ON COLUMN marts.latest_ranking.targets_behind IS 'Số mục tiêu chậm (cần tăng tốc, hạn chế, suy giảm) | EN: Targets needing acceleration, with limited progress or deteriorating.';
COMMENT ON COLUMN marts.latest_ranking.median_rank IS 'Hạng trung vị (mô phỏng) | EN: Median rank over the Monte Carlo samples (marts.rank_uncertainty; as-reported series only).';
COMMENT ON COLUMN marts.latest_ranking.rank_p05 IS 'Đầu tốt của khoảng hạng (P5) | EN: Low end of the rank interval (5th percentile).';
COMMENT ON COLUMN marts.latest_ranking.rank_p95 IS 'Đầu kém của khoảng hạng (P95) | EN: High end of the rank interval (95th percentile).';
COMMENT ON COLUMN marts.latest_ranking.tie_group IS 'Nhóm ngang nhau về thống kê | EN: Statistically tied group (overlapping intervals).';
