"""Reporting years. A year's partition exists once the year is over (end_offset=0): on 23/11/2026 the
partitions are 2021–2025, and 2026 appears on 01/01/2027."""

import dagster as dg

FIRST_REPORTING_YEAR = "2021"

reporting_years = dg.TimeWindowPartitionsDefinition(
    cron_schedule="0 0 1 1 *",
    start=FIRST_REPORTING_YEAR,
    fmt="%Y",
    timezone="Asia/Ho_Chi_Minh",
)
