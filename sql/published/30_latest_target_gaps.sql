-- Gaps to target of the units ranked in the latest year, the columns a reader needs first.
CREATE VIEW marts.latest_target_gaps AS
SELECT g.province_code, g.province_name, g.target_id, g.target_source, g.subject, g.horizon_year,
       g.comparator, g.target_value, g.unit, g.actual_value, g.actual_year, g.gap, g.share_covered,
       g.status, g.status_vi, g.status_reason, g.document, g.quote_vi, g.is_synthetic
FROM marts.target_gaps AS g
WHERE g.unit_set = (SELECT any_value(unit_set) FROM marts.latest_ranking)
ORDER BY g.province_name, g.horizon_year, g.subject;
COMMENT ON VIEW marts.latest_target_gaps IS 'Khoảng cách đến mục tiêu của các đơn vị hiện hành | EN: Gaps to target of the units in force in the latest year.';
COMMENT ON COLUMN marts.latest_target_gaps.province_code IS 'Mã tỉnh (GSO) | EN: GSO code.';
COMMENT ON COLUMN marts.latest_target_gaps.province_name IS 'Tỉnh/thành phố | EN: Official name.';
COMMENT ON COLUMN marts.latest_target_gaps.target_id IS 'Mã mục tiêu | EN: Target id.';
COMMENT ON COLUMN marts.latest_target_gaps.target_source IS 'Nguồn mục tiêu | EN: resolution or national.';
COMMENT ON COLUMN marts.latest_target_gaps.subject IS 'Đối tượng của mục tiêu | EN: Indicator code or rank subject.';
COMMENT ON COLUMN marts.latest_target_gaps.horizon_year IS 'Năm phải đạt | EN: Horizon year.';
COMMENT ON COLUMN marts.latest_target_gaps.comparator IS 'Cách so sánh | EN: Comparator.';
COMMENT ON COLUMN marts.latest_target_gaps.target_value IS 'Giá trị mục tiêu | EN: Target value.';
COMMENT ON COLUMN marts.latest_target_gaps.unit IS 'Đơn vị đo | EN: Unit.';
COMMENT ON COLUMN marts.latest_target_gaps.actual_value IS 'Giá trị thực tế mới nhất | EN: Latest value.';
COMMENT ON COLUMN marts.latest_target_gaps.actual_year IS 'Năm của giá trị thực tế | EN: Year of the latest value.';
COMMENT ON COLUMN marts.latest_target_gaps.gap IS 'Khoảng cách (> 0: còn thiếu) | EN: Gap (> 0 still to go).';
COMMENT ON COLUMN marts.latest_target_gaps.share_covered IS 'Phần đã đi được | EN: Share of the way covered.';
COMMENT ON COLUMN marts.latest_target_gaps.status IS 'Trạng thái (tiếng Anh) | EN: Status.';
COMMENT ON COLUMN marts.latest_target_gaps.status_vi IS 'Trạng thái | EN: Status in Vietnamese.';
COMMENT ON COLUMN marts.latest_target_gaps.status_reason IS 'Lý do | EN: Why this status.';
COMMENT ON COLUMN marts.latest_target_gaps.document IS 'Văn bản đặt mục tiêu | EN: Document that sets the target.';
COMMENT ON COLUMN marts.latest_target_gaps.quote_vi IS 'Nguyên văn | EN: The target''s words, verbatim.';
COMMENT ON COLUMN marts.latest_target_gaps.is_synthetic IS 'Dữ liệu mô phỏng | EN: SYNTHETIC demo data.';
