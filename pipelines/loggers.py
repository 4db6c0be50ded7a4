"""How a run talks in a terminal (`dti run`): one line per warning, the message only (a step, a file, what
is wrong); failures are summed up by `dti run` itself, never as a stack trace. The full event log, stack
traces included, is in the UI."""

import logging
import sys

import dagster as dg

_META = "dagster_meta"


class _Compact(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        meta = getattr(record, _META, None) or {}
        text = str(meta.get("orig_message") or record.getMessage()).strip().splitlines()[0]
        step = meta.get("step_key")
        return f"  {record.levelname.lower()}: " + (f"[{step}] " if step else "") + text


class _WarningsOnly(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        meta = getattr(record, _META, None) or {}
        return record.levelno == logging.WARNING or (
            record.levelno > logging.WARNING and meta.get("dagster_event") is None
        )


@dg.logger(description="Warnings for a terminal, one line each, no stack traces (used by `dti run`).")
def terminal_logger(init_context: dg.InitLoggerContext) -> logging.Logger:
    # Not registered with logging.getLogger: it lives as long as its run, no longer.
    logger = logging.Logger("dti.terminal", level=logging.WARNING)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_Compact())
    handler.addFilter(_WarningsOnly())
    logger.addHandler(handler)
    return logger
