"""Alerts when a pipeline run fails: always a JSON line in a file under the data home, and an e-mail and/or
a webhook POST when they are configured. No Dagster here: the run-failure sensor (pipelines/alerts.py)
gathers the facts of the failed run and calls these functions.

Configuration, from the environment:

- `DTI_ALERT_SMTP_HOST`, `DTI_ALERT_SMTP_PORT` (default 25), `DTI_ALERT_SMTP_FROM`, `DTI_ALERT_SMTP_TO`
  (comma-separated), optional `DTI_ALERT_SMTP_USER`, `DTI_ALERT_SMTP_PASSWORD`, `DTI_ALERT_SMTP_STARTTLS`
  (`1`/`true`/`yes`): e-mail is sent when host, from and to are set.
- `DTI_ALERT_WEBHOOK_URL`: the alert is POSTed there as JSON (the alert's fields and a `text` field, which
  chat tools such as Mattermost, Rocket.Chat or Slack's incoming webhooks show as the message).
- `DTI_UI_URL` (default `http://127.0.0.1:3000`): the Dagster UI the alert links to.

Sending never raises: `deliver` returns what happened to each channel, for the caller to log."""

from __future__ import annotations

import json
import logging
import os
import smtplib
import ssl
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from email.message import EmailMessage
from pathlib import Path

logger = logging.getLogger(__name__)

ALERT_FILE = "run_failures.jsonl"
DEFAULT_UI_URL = "http://127.0.0.1:3000"
TIMEOUT_SECONDS = 10.0
MESSAGE_LIMIT = 2000


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    sender: str
    recipients: tuple[str, ...]
    user: str | None = None
    password: str | None = None
    starttls: bool = False

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> SmtpSettings | None:
        """The SMTP settings, or None when e-mail is not configured (host, from or to missing)."""
        env = os.environ if env is None else env
        host, sender = env.get("DTI_ALERT_SMTP_HOST", "").strip(), env.get("DTI_ALERT_SMTP_FROM", "").strip()
        recipients = tuple(to.strip() for to in env.get("DTI_ALERT_SMTP_TO", "").split(",") if to.strip())
        if not (host and sender and recipients):
            return None
        return cls(
            host=host,
            port=int(env.get("DTI_ALERT_SMTP_PORT", "") or 25),
            sender=sender,
            recipients=recipients,
            user=env.get("DTI_ALERT_SMTP_USER") or None,
            password=env.get("DTI_ALERT_SMTP_PASSWORD") or None,
            starttls=env.get("DTI_ALERT_SMTP_STARTTLS", "").strip().lower() in ("1", "true", "yes", "on"),
        )


@dataclass(frozen=True)
class Alert:
    """One failed run, as an operator needs to see it."""

    run_id: str
    job: str
    partition: str | None
    tags: dict[str, str]
    failed_steps: list[str]
    message: str
    time: str
    url: str
    location: str | None = None
    subject: str = ""
    text: str = ""

    def as_json(self) -> dict:
        return asdict(self)


def ui_url(env: Mapping[str, str] | None = None) -> str:
    env = os.environ if env is None else env
    return (env.get("DTI_UI_URL") or DEFAULT_UI_URL).rstrip("/")


def format_alert(
    *,
    run_id: str,
    job: str,
    partition: str | None,
    tags: Mapping[str, str],
    failed_steps: Sequence[str],
    message: str,
    failed_at: datetime,
    base_url: str | None = None,
    location: str | None = None,
) -> Alert:
    """The alert for a failed run: its facts, a UI link, a subject and a text in Vietnamese then English."""
    url = f"{(base_url or ui_url()).rstrip('/')}/runs/{run_id}"
    message = (message or "").strip()
    if len(message) > MESSAGE_LIMIT:
        message = message[:MESSAGE_LIMIT] + " …"
    steps = ", ".join(failed_steps) if failed_steps else None
    when = failed_at.isoformat(timespec="seconds")
    short = run_id[:8]
    year_vi, year_en = (f", năm {partition}", f", year {partition}") if partition else ("", "")
    subject = f"[DTI] Lượt chạy thất bại / Run failed: {job}{f' {partition}' if partition else ''} ({short})"
    text = "\n".join(
        [
            f"Lượt chạy {run_id} của job {job}{year_vi} đã thất bại lúc {when}.",
            f"Bước lỗi: {steps or 'không xác định (lỗi ngoài các bước)'}",
            f"Lỗi: {message or 'không có thông báo'}",
            f"Xem chi tiết trong Dagster: {url}",
            "",
            f"Run {run_id} of job {job}{year_en} failed at {when}.",
            f"Failed step(s): {steps or 'none identified (failure outside the steps)'}",
            f"Error: {message or 'no message'}",
            f"Details in Dagster: {url}",
        ]
    )
    return Alert(
        run_id=run_id,
        job=job,
        partition=partition,
        tags=dict(tags),
        failed_steps=list(failed_steps),
        message=message,
        time=when,
        url=url,
        location=location,
        subject=subject,
        text=text,
    )


def write_alert_file(folder: Path, alert: Alert) -> Path:
    """Append the alert as one JSON line to `folder/run_failures.jsonl` (created when missing)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / ALERT_FILE
    line = json.dumps(alert.as_json(), ensure_ascii=False, sort_keys=True)
    with path.open("a", encoding="utf-8") as out:
        out.write(line + "\n")
    return path


def send_email(settings: SmtpSettings, alert: Alert, timeout: float = TIMEOUT_SECONDS) -> None:
    """Send the alert by e-mail (UTF-8 plain text). Raises on any SMTP or network error."""
    mail = EmailMessage()
    mail["Subject"] = alert.subject
    mail["From"] = settings.sender
    mail["To"] = ", ".join(settings.recipients)
    mail.set_content(alert.text, charset="utf-8")
    with smtplib.SMTP(settings.host, settings.port, timeout=timeout) as smtp:
        if settings.starttls:
            smtp.starttls(context=ssl.create_default_context())  # verifies the server's certificate
        if settings.user:
            smtp.login(settings.user, settings.password or "")
        smtp.send_message(mail)


def post_webhook(url: str, alert: Alert, timeout: float = TIMEOUT_SECONDS) -> int:
    """POST the alert as JSON; returns the HTTP status. Raises on a network error or a status >= 400."""
    body = json.dumps(alert.as_json(), ensure_ascii=False).encode("utf-8")
    request = urllib.request.Request(
        url, data=body, method="POST", headers={"Content-Type": "application/json; charset=utf-8"}
    )
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return response.status


def deliver(alert: Alert, folder: Path, env: Mapping[str, str] | None = None) -> dict[str, str]:
    """Write the alert to the file, then send it by e-mail and webhook where configured.

    The file comes first and is the one channel allowed to raise. A send that fails is logged and reported
    in the result (`{"file": ..., "email": "sent" | "not configured" | "failed: …", "webhook": ...}`)."""
    env = os.environ if env is None else env
    outcome = {"file": str(write_alert_file(folder, alert))}
    try:
        smtp = SmtpSettings.from_env(env)
        if smtp is None:
            outcome["email"] = "not configured"
        else:
            send_email(smtp, alert)
            outcome["email"] = f"sent to {', '.join(smtp.recipients)}"
    except Exception as error:
        logger.warning(
            "alert e-mail for run %s (DTI_ALERT_SMTP_HOST=%s, DTI_ALERT_SMTP_PORT=%s) failed: %r",
            alert.run_id,
            env.get("DTI_ALERT_SMTP_HOST"),
            env.get("DTI_ALERT_SMTP_PORT"),
            error,
        )
        outcome["email"] = f"failed: {error!r}"
    webhook = (env.get("DTI_ALERT_WEBHOOK_URL") or "").strip()
    if not webhook:
        outcome["webhook"] = "not configured"
    else:
        try:
            outcome["webhook"] = f"sent (HTTP {post_webhook(webhook, alert)})"
        except Exception as error:
            logger.warning("alert webhook for run %s failed: %r", alert.run_id, error)
            outcome["webhook"] = f"failed: {error!r}"
    return outcome
