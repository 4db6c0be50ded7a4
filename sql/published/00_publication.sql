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
