"""The run-failure alert against a real failed run of a dti job, a real SMTP server (aiosmtpd) and a real HTTP
receiver, both on free ports of 127.0.0.1 and stopped by the test."""

import json
import logging
import socket
import ssl
import threading
import warnings
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import dagster as dg
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from assets.reference import reference_assets
from assets.resources import build_resources
from pipelines.alerts import run_failure_alert
from pipelines.definitions import defs
from sources.alerts import ALERT_FILE, deliver, format_alert

UI = "http://dagster.internal:3000"


def _failing_run(instance: dg.DagsterInstance) -> dg.ExecuteInProcessResult:
    """A real run of the pipeline's job for 2024 that fails in its first step (the methodology file is broken).
    The one place this test names a job and an asset."""
    job = defs.resolve_job_def("dti_pipeline")
    result = job.execute_in_process(
        instance=instance,
        partition_key="2024",
        raise_on_error=False,
        asset_selection=[dg.AssetKey(["reference", "indicators"])],
        tags={"trigger": "test"},
    )
    assert not result.success
    return result


@pytest.fixture(scope="module")
def broken_methodology(tmp_path_factory):
    broken = tmp_path_factory.mktemp("methodology") / "broken.yaml"
    broken.write_text("version: [not closed\n", encoding="utf-8")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DTI_METHODOLOGY", str(broken))
        yield broken


@pytest.fixture(scope="module")
def failed_run(broken_methodology):
    with dg.instance_for_test() as instance:
        yield instance, _failing_run(instance)


def _evaluate(failed_run) -> None:
    """The sensor's evaluation of the failure, with the repository of the code location as the daemon gives it."""
    instance, result = failed_run
    with warnings.catch_warnings():  # `repository_def` of this test helper is a beta parameter
        warnings.simplefilter("ignore", dg.BetaWarning)
        context = dg.build_run_status_sensor_context(
            sensor_name=run_failure_alert.name,
            dagster_instance=instance,
            dagster_run=result.dagster_run,
            dagster_event=result.get_run_failure_event(),
            repository_def=defs.get_repository_def(),
        )
    run_failure_alert(context)


class _LocalSmtp(Controller):
    """aiosmtpd's threaded server, bound to a port the system picks (port 0), read back after binding."""

    def _create_server(self):
        async def create():
            server = await self.loop.create_server(self._factory_invoker, host=self.hostname, port=0)
            self.port = server.sockets[0].getsockname()[1]
            return server

        return create()


class _Inbox:
    def __init__(self):
        self.envelopes, self.sessions = [], []

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        self.sessions.append({"tls": session.ssl is not None, "authenticated": session.authenticated})
        return "250 OK"


@pytest.fixture
def smtp_server():
    inbox = _Inbox()
    controller = _LocalSmtp(inbox, hostname="127.0.0.1")
    controller.start()
    try:
        yield controller.port, inbox
    finally:
        controller.stop()


@pytest.fixture
def http_receiver():
    """A real HTTP server that records each POST; `status` is what it answers."""
    received, answer = [], {"status": 200}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append((self.path, self.headers["Content-Type"], body))
            self.send_response(answer["status"])
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hooks/dti", received, answer
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def _alert_lines(home) -> list[dict]:
    path = home.root / "alerts" / ALERT_FILE
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_failed_run_alerts_file_email_and_webhook(home, failed_run, smtp_server, http_receiver, monkeypatch):
    smtp_port, mailbox = smtp_server
    webhook, received, _ = http_receiver
    monkeypatch.setenv("DTI_ALERT_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("DTI_ALERT_SMTP_PORT", str(smtp_port))
    monkeypatch.setenv("DTI_ALERT_SMTP_FROM", "dti-pipeline@localhost")
    monkeypatch.setenv("DTI_ALERT_SMTP_TO", "ops@localhost, data-office@localhost")
    monkeypatch.setenv("DTI_ALERT_WEBHOOK_URL", webhook)
    monkeypatch.setenv("DTI_UI_URL", UI + "/")
    _, result = failed_run
    run_id = result.run_id

    _evaluate(failed_run)

    [line] = _alert_lines(home)
    assert line["run_id"] == run_id and line["job"] == "dti_pipeline" and line["partition"] == "2024"
    assert line["tags"]["trigger"] == "test" and line["tags"]["dagster/partition"] == "2024"
    assert line["url"] == f"{UI}/runs/{run_id}"
    assert len(line["failed_steps"]) == 1 and "indicators" in line["failed_steps"][0]
    assert line["message"].startswith(f"{line['failed_steps'][0]}: sources.index.methodology.MethodologyError: ")
    assert "broken.yaml: not valid YAML" in line["message"]
    assert datetime.fromisoformat(line["time"]) <= datetime.now(UTC)

    [envelope] = mailbox.envelopes
    assert envelope.mail_from == "dti-pipeline@localhost"
    assert envelope.rcpt_tos == ["ops@localhost", "data-office@localhost"]
    mail = message_from_bytes(envelope.original_content, policy=policy.default)
    assert mail["Subject"] == f"[DTI] Lượt chạy thất bại / Run failed: dti_pipeline 2024 ({run_id[:8]})"
    body = mail.get_content()
    vietnamese = body.index(f"Lượt chạy {run_id} của job dti_pipeline, năm 2024 đã thất bại lúc")
    english = body.index(f"Run {run_id} of job dti_pipeline, year 2024 failed at")
    assert vietnamese < english
    assert "Bước lỗi: " in body and f"{UI}/runs/{run_id}" in body

    [(path, content_type, payload)] = received
    assert path == "/hooks/dti" and content_type.startswith("application/json")
    posted = json.loads(payload.decode("utf-8"))
    assert posted == {key: line[key] for key in posted}
    assert posted["text"].startswith(f"Lượt chạy {run_id}") and posted["subject"] == mail["Subject"]


def test_failed_sends_are_logged_and_never_stop_the_sensor(home, failed_run, http_receiver, monkeypatch, caplog):
    webhook, received, answer = http_receiver
    answer["status"] = 500
    monkeypatch.setenv("DTI_ALERT_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("DTI_ALERT_SMTP_PORT", str(_closed_port()))
    monkeypatch.setenv("DTI_ALERT_SMTP_FROM", "dti-pipeline@localhost")
    monkeypatch.setenv("DTI_ALERT_SMTP_TO", "ops@localhost")
    monkeypatch.setenv("DTI_ALERT_WEBHOOK_URL", webhook)

    with caplog.at_level(logging.WARNING, logger="sources.alerts"):
        _evaluate(failed_run)

    [line] = _alert_lines(home)
    assert line["run_id"] == failed_run[1].run_id and line["url"].startswith("http://127.0.0.1:3000/runs/")
    assert len(received) == 1  # the receiver got the POST and answered 500
    warnings = [r.getMessage() for r in caplog.records if r.name == "sources.alerts"]
    assert any("alert e-mail" in w and "failed" in w for w in warnings)
    assert any("alert webhook" in w and "500" in w for w in warnings)


def test_without_settings_only_the_file_is_written(home, failed_run, monkeypatch):
    for name in ("DTI_ALERT_SMTP_HOST", "DTI_ALERT_SMTP_FROM", "DTI_ALERT_SMTP_TO", "DTI_ALERT_WEBHOOK_URL"):
        monkeypatch.delenv(name, raising=False)
    _evaluate(failed_run)
    _evaluate(failed_run)
    assert [line["run_id"] for line in _alert_lines(home)] == [failed_run[1].run_id] * 2


def test_a_failed_run_of_another_job_raises_no_alert(home, broken_methodology):
    with dg.instance_for_test() as instance:
        [indicators] = [a for a in reference_assets if a.key == dg.AssetKey(["reference", "indicators"])]
        result = dg.materialize([indicators], resources=build_resources(home), instance=instance, raise_on_error=False)
        assert not result.success and not defs.get_repository_def().has_job(result.dagster_run.job_name)
        _evaluate((instance, result))
    assert not (home.root / "alerts" / ALERT_FILE).exists()


def test_a_misconfigured_port_is_logged_and_the_file_still_written(tmp_path, caplog):
    alert = format_alert(
        run_id="r1",
        job="dti_marts",
        partition=None,
        tags={},
        failed_steps=[],
        message="x",
        failed_at=datetime(2026, 3, 1, tzinfo=UTC),
        base_url=UI,
    )
    env = {
        "DTI_ALERT_SMTP_HOST": "127.0.0.1",
        "DTI_ALERT_SMTP_PORT": "twenty-five",
        "DTI_ALERT_SMTP_FROM": "a@localhost",
        "DTI_ALERT_SMTP_TO": "b@localhost",
    }
    with caplog.at_level(logging.WARNING, logger="sources.alerts"):
        outcome = deliver(alert, tmp_path, env)
    assert outcome["email"].startswith("failed: ValueError") and outcome["webhook"] == "not configured"
    assert json.loads((tmp_path / ALERT_FILE).read_text(encoding="utf-8"))["run_id"] == "r1"
    assert any("twenty-five" in record.getMessage() for record in caplog.records)


def test_alert_without_partition_or_step():
    alert = format_alert(
        run_id="0123456789abcdef",
        job="inbox_inventory",
        partition=None,
        tags={},
        failed_steps=[],
        message="run worker crashed",
        failed_at=datetime(2026, 3, 1, 6, tzinfo=UTC),
        base_url=UI,
    )
    assert alert.subject == "[DTI] Lượt chạy thất bại / Run failed: inbox_inventory (01234567)"
    assert "năm" not in alert.text and "year" not in alert.text
    assert "Bước lỗi: không xác định" in alert.text and "Failed step(s): none identified" in alert.text
    assert alert.text.index("Lỗi: run worker crashed") < alert.text.index("Error: run worker crashed")


def test_the_sensor_is_registered_and_on_by_default():
    sensor = defs.resolve_sensor_def("run_failure_alert")
    assert sensor.default_status == dg.DefaultSensorStatus.RUNNING
    assert isinstance(sensor, dg.RunStatusSensorDefinition)


def _self_signed_certificate(folder) -> tuple[str, str]:
    """A certificate for 127.0.0.1 and its key, made here (cryptography comes with great-expectations)."""
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "smtp.pem", folder / "smtp.key"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return str(cert_path), str(key_path)


@pytest.fixture
def tls_smtp_server(tmp_path):
    """An SMTP server that requires STARTTLS and a login (user `dti`, password `s3cret`)."""
    cert, key = _self_signed_certificate(tmp_path)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)

    def authenticator(server, session, envelope, mechanism, auth_data):
        return AuthResult(success=(auth_data.login, auth_data.password) == (b"dti", b"s3cret"), handled=False)

    inbox = _Inbox()
    controller = _LocalSmtp(
        inbox,
        hostname="127.0.0.1",
        tls_context=context,
        require_starttls=True,
        auth_required=True,
        authenticator=authenticator,
    )
    controller.start()
    try:
        yield controller.port, inbox, cert
    finally:
        controller.stop()


def test_starttls_and_login(tls_smtp_server, tmp_path, monkeypatch, caplog):
    port, mailbox, cert = tls_smtp_server
    alert = format_alert(
        run_id="r2",
        job="dti_pipeline",
        partition="2025",
        tags={},
        failed_steps=["s"],
        message="x",
        failed_at=datetime(2026, 3, 1, tzinfo=UTC),
        base_url=UI,
    )
    env = {
        "DTI_ALERT_SMTP_HOST": "127.0.0.1",
        "DTI_ALERT_SMTP_PORT": str(port),
        "DTI_ALERT_SMTP_FROM": "a@localhost",
        "DTI_ALERT_SMTP_TO": "b@localhost",
        "DTI_ALERT_SMTP_USER": "dti",
        "DTI_ALERT_SMTP_PASSWORD": "s3cret",
        "DTI_ALERT_SMTP_STARTTLS": "true",
    }

    with caplog.at_level(logging.WARNING, logger="sources.alerts"):
        untrusted = deliver(alert, tmp_path, env)  # the self-signed certificate is not trusted yet
    assert untrusted["email"].startswith("failed: ") and "CERTIFICATE_VERIFY_FAILED" in untrusted["email"]

    monkeypatch.setenv("SSL_CERT_FILE", cert)  # OpenSSL's default trust store is read from here
    assert deliver(alert, tmp_path, env)["email"] == "sent to b@localhost"
    wrong = deliver(alert, tmp_path, {**env, "DTI_ALERT_SMTP_PASSWORD": "nope"})
    assert wrong["email"].startswith("failed: SMTPAuthenticationError")

    assert mailbox.sessions == [{"tls": True, "authenticated": True}]
    assert len((tmp_path / ALERT_FILE).read_text(encoding="utf-8").splitlines()) == 3
