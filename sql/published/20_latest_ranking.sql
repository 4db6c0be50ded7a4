-- The ranking ministry staff ask for first: the latest reporting year as reported, with pillars and how
-- the province stands against its targets.
CREATE VIEW marts.latest_ranking AS
WITH gaps AS (
    SELECT unit_set, province_code,
           count(*) AS targets,
           count(*) FILTER (status = 'target met') AS targets_met,
           count(*) FILTER (status IN ('limited progress', 'deterioration', 'acceleration needed')) AS targets_behind
    FROM marts.target_gaps
    WHERE as_of_year = (SELECT max(as_of_year) FROM marts.target_gaps)  -- each target once, as known now
    GROUP BY ALL
)
SELECT r.*, coalesce(g.targets, 0) AS targets, coalesce(g.targets_met, 0) AS targets_met,
       coalesce(g.targets_behind, 0) AS targets_behind
FROM marts.ranking_with_pillars AS r
LEFT JOIN gaps AS g USING (unit_set, province_code)
WHERE r.series = 'as_reported'
  AND r.reporting_year = (SELECT max(reporting_year) FROM marts.province_rankings WHERE series = 'as_reported')
ORDER BY r.rank NULLS LAST, r.province_name;
