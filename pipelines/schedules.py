"""The yearly run. Provinces report a year's figures by the end of February of the next year
(configurable with DTI_YEARLY_CRON); on 1 March the previous year is processed."""


import os

import dagster as dg

from pipelines.jobs import dti_pipeline
from assets.partitions import reporting_years

YEARLY_CRON = os.environ.get("DTI_YEARLY_CRON", "0 6 1 3 *")


@dg.schedule(job=dti_pipeline, cron_schedule=YEARLY_CRON, execution_timezone="Asia/Ho_Chi_Minh",
             description="Each year, process the reporting year that has just ended.")
def yearly_reporting_run(context: dg.ScheduleEvaluationContext):
    year = str(context.scheduled_execution_time.year - 1)
    if year not in reporting_years.get_partition_keys(current_time=context.scheduled_execution_time):
        return dg.SkipReason(f"reporting year {year} is not a partition")
    return dg.RunRequest(partition_key=year, run_key=f"yearly-{year}", tags={"trigger": "yearly schedule"})
