-- Every ranking (each year, both series) on one row per province: the index score and rank with its
-- uncertainty interval (as-reported series) next to each pillar's score and rank. Pillar codes are those
-- of the methodology file (government, economy, society).
CREATE VIEW marts.ranking_with_pillars AS
WITH pivoted AS (
SELECT
    series, unit_set, reporting_year, province_code, province_name,
    max(rank) FILTER (ranking = 'index') AS rank,
    max(units_ranked) FILTER (ranking = 'index') AS units_ranked,
    max(score) FILTER (ranking = 'index') AS score,
    max(rank_change) FILTER (ranking = 'index') AS rank_change,
    max(score) FILTER (ranking = 'government') AS government_score,
    max(rank) FILTER (ranking = 'government') AS government_rank,
    max(score) FILTER (ranking = 'economy') AS economy_score,
    max(rank) FILTER (ranking = 'economy') AS economy_rank,
    max(score) FILTER (ranking = 'society') AS society_score,
    max(rank) FILTER (ranking = 'society') AS society_rank,
    bool_or(is_synthetic) AS is_synthetic,
    any_value(methodology_version) AS methodology_version
FROM marts.province_rankings
GROUP BY ALL
)
SELECT p.series, p.unit_set, p.reporting_year, p.province_code, p.province_name, p.rank,
       u.median_rank, u.rank_p05, u.rank_p95, u.tie_group,
       p.* EXCLUDE (series, unit_set, reporting_year, province_code, province_name, rank)
FROM pivoted AS p
LEFT JOIN marts.rank_uncertainty AS u USING (series, unit_set, reporting_year, province_code);
COMMENT ON VIEW marts.ranking_with_pillars IS 'Xếp hạng kèm điểm và hạng từng trụ cột, mọi năm và chuỗi số liệu | EN: Every ranking with each pillar''s score and rank on one row per province, year and series.';
COMMENT ON COLUMN marts.ranking_with_pillars.series IS 'Chuỗi số liệu | EN: as_reported or restated_34.';
COMMENT ON COLUMN marts.ranking_with_pillars.unit_set IS 'Bộ đơn vị hành chính (63 hoặc 34) | EN: Unit set of province_code.';
COMMENT ON COLUMN marts.ranking_with_pillars.reporting_year IS 'Năm báo cáo | EN: Reporting year.';
COMMENT ON COLUMN marts.ranking_with_pillars.province_code IS 'Mã tỉnh (GSO) | EN: GSO code within unit_set.';
COMMENT ON COLUMN marts.ranking_with_pillars.province_name IS 'Tỉnh/thành phố | EN: Official name.';
COMMENT ON COLUMN marts.ranking_with_pillars.rank IS 'Hạng theo chỉ số (1 = cao nhất) | EN: Rank on the index (1 = best); NULL when not scored.';
COMMENT ON COLUMN marts.ranking_with_pillars.units_ranked IS 'Số đơn vị được xếp hạng | EN: Units ranked.';
COMMENT ON COLUMN marts.ranking_with_pillars.score IS 'Điểm chỉ số (0–1) | EN: Index score (0-1).';
COMMENT ON COLUMN marts.ranking_with_pillars.rank_change IS 'Thay đổi hạng so với năm trước | EN: previous_rank - rank: positive = moved up.';
COMMENT ON COLUMN marts.ranking_with_pillars.government_score IS 'Điểm chính quyền số | EN: Digital government pillar score.';
COMMENT ON COLUMN marts.ranking_with_pillars.government_rank IS 'Hạng chính quyền số | EN: Digital government pillar rank.';
COMMENT ON COLUMN marts.ranking_with_pillars.economy_score IS 'Điểm kinh tế số | EN: Digital economy pillar score.';
COMMENT ON COLUMN marts.ranking_with_pillars.economy_rank IS 'Hạng kinh tế số | EN: Digital economy pillar rank.';
COMMENT ON COLUMN marts.ranking_with_pillars.society_score IS 'Điểm xã hội số | EN: Digital society pillar score.';
COMMENT ON COLUMN marts.ranking_with_pillars.society_rank IS 'Hạng xã hội số | EN: Digital society pillar rank.';
COMMENT ON COLUMN marts.ranking_with_pillars.is_synthetic IS 'Dữ liệu mô phỏng | EN: True when the figures are SYNTHETIC demo data.';
COMMENT ON COLUMN marts.ranking_with_pillars.methodology_version IS 'Phiên bản phương pháp | EN: Methodology version.';
COMMENT ON COLUMN marts.ranking_with_pillars.median_rank IS 'Hạng trung vị (mô phỏng) | EN: Median rank over the Monte Carlo samples (marts.rank_uncertainty; as-reported series only).';
COMMENT ON COLUMN marts.ranking_with_pillars.rank_p05 IS 'Đầu tốt của khoảng hạng (P5) | EN: Low end of the rank interval (5th percentile).';
COMMENT ON COLUMN marts.ranking_with_pillars.rank_p95 IS 'Đầu kém của khoảng hạng (P95) | EN: High end of the rank interval (95th percentile).';
COMMENT ON COLUMN marts.ranking_with_pillars.tie_group IS 'Nhóm ngang nhau về thống kê | EN: Statistically tied group (overlapping intervals).';
