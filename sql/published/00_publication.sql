-- What this copy holds: one row written when it is published (variables set by sources/release/publish.py).
CREATE TABLE marts.publication AS
SELECT getvariable('published_at')::TIMESTAMPTZ AS published_at,
       getvariable('run_id')::VARCHAR AS run_id,
       getvariable('methodology_version')::VARCHAR AS methodology_version,
       getvariable('fingerprint')::VARCHAR AS fingerprint,
       getvariable('latest_file_received_at')::TIMESTAMPTZ AS latest_file_received_at,
       (SELECT count(DISTINCT file_sha256) FROM staging.figures) AS files_used,
       (SELECT string_agg(DISTINCT reporting_year::VARCHAR, ', ' ORDER BY reporting_year::VARCHAR)
        FROM marts.province_rankings WHERE series = 'as_reported') AS reporting_years,
       coalesce((SELECT bool_or(is_synthetic) FROM staging.figures), false) AS is_synthetic;
COMMENT ON TABLE marts.publication IS 'Thông tin về bản công bố này: thời điểm, lượt chạy, phương pháp, số liệu đến ngày nào | EN: What this published copy holds: when, from which run and methodology, data vintage.';
COMMENT ON COLUMN marts.publication.published_at IS 'Thời điểm công bố | EN: When this copy was published.';
COMMENT ON COLUMN marts.publication.run_id IS 'Mã lượt chạy Dagster | EN: Dagster run that published it.';
COMMENT ON COLUMN marts.publication.methodology_version IS 'Phiên bản phương pháp | EN: Methodology version.';
COMMENT ON COLUMN marts.publication.fingerprint IS 'Dấu vân tay nội dung: giống nhau nghĩa là không có gì thay đổi | EN: Content fingerprint (every published row and the methodology version): equal means nothing changed.';
COMMENT ON COLUMN marts.publication.latest_file_received_at IS 'Thời điểm nhận tệp gần nhất | EN: When the latest submission file was received (data vintage).';
COMMENT ON COLUMN marts.publication.files_used IS 'Số tệp có số liệu được dùng | EN: Submission files with at least one figure used.';
COMMENT ON COLUMN marts.publication.reporting_years IS 'Các năm báo cáo được xếp hạng | EN: Reporting years ranked.';
COMMENT ON COLUMN marts.publication.is_synthetic IS 'Dữ liệu mô phỏng | EN: True when the figures are SYNTHETIC demo data.';
