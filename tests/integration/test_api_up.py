"""`oms-fix up` with its REST API: over TLS (FIX and HTTP), and an order's history kept across a restart."""

from __future__ import annotations

import socket
import ssl
import sys
import subprocess
import time
from pathlib import Path

import httpx
import pytest
import yaml

from oms_fix.fix.codec import encode
from oms_fix.fix.utctime import format_text
from tests.interop.peers import REPO, free_port

pytestmark = pytest.mark.slow

CLI = [sys.executable, "-m", "oms_fix.cli"]
TLS = REPO / "tests" / "data" / "tls"
ALICE = {"X-API-Key": "local-alice-key"}


class Up:
    """`oms-fix up --no-venues` on free ports, until it prints that it serves."""

    def __init__(self, tmp: Path, config: dict, state: Path):
        self.ports = {"clients": free_port(), "dc": free_port(), "api": free_port()}
        config = {**config, "clients": {**config.get("clients", {}), "port": self.ports["clients"],
                                        "sessions": [{"target_comp_id": "CLIENT1", "account": "ACC001"}]},
                  "drop_copy": {"port": self.ports["dc"], "sessions": [{"target_comp_id": "DROPCOPY"}]},
                  "api": {**config.get("api", {}), "port": self.ports["api"]}}
        cfg = tmp / "oms.yaml"
        cfg.write_text(yaml.safe_dump(config))
        self.proc = subprocess.Popen(CLI + ["up", "--no-venues", "--config", str(cfg), "--state-dir", str(state),
                                            "--api-port", str(self.ports["api"])],
                                     cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.lines: list[str] = []
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line)
            if line.startswith("Ctrl-C to stop."):
                return
        raise AssertionError("oms-fix up stopped:\n" + "".join(self.lines))

    def stop(self) -> str:
        self.proc.terminate()
        out, _ = self.proc.communicate(timeout=30)
        text = "".join(self.lines) + out
        assert self.proc.returncode == 0, text
        assert text.rstrip().endswith("stopped; stores flushed"), text
        return text


def _fix(fields: list[tuple[int, str]], seq: int) -> bytes:
    return encode([(35, fields[0][1]), (49, "CLIENT1"), (56, "OMS"), (34, str(seq)),
                   (52, format_text(time.time_ns())), *fields[1:]])


def _read_message(sock: ssl.SSLSocket, buf: bytearray) -> bytes:
    while True:
        end = buf.find(b"\x0110=")
        if end >= 0 and buf.find(b"\x01", end + 1) >= 0:
            stop = buf.find(b"\x01", end + 1) + 1
            msg = bytes(buf[:stop])
            del buf[:stop]
            return msg
        chunk = sock.recv(65536)
        assert chunk, "the acceptor closed the connection"
        buf += chunk


def test_fix_and_http_over_tls(tmp_path: Path) -> None:
    up = Up(tmp_path, {"clients": {"tls_cert": str(TLS / "cert.pem"), "tls_key": str(TLS / "key.pem")},
                       "api": {"tls_cert": str(TLS / "cert.pem"), "tls_key": str(TLS / "key.pem")}},
            tmp_path / "state")
    try:
        assert f"127.0.0.1:{up.ports['clients']} (TLS)" in "".join(up.lines)
        ctx = ssl.create_default_context(cafile=str(TLS / "cert.pem"))
        with socket.create_connection(("127.0.0.1", up.ports["clients"]), timeout=10) as raw:
            with ctx.wrap_socket(raw, server_hostname="127.0.0.1") as tls:
                buf = bytearray()
                tls.sendall(_fix([(35, "A"), (98, "0"), (108, "30")], 1))
                assert b"\x0135=A\x01" in _read_message(tls, buf)
                tls.sendall(_fix([(35, "D"), (11, "tls-1"), (55, "AAPL"), (54, "1"), (38, "100"), (40, "2"),
                                  (44, "190"), (60, format_text(time.time_ns()))], 2))
                er = _read_message(tls, buf)
                assert b"\x0135=8\x01" in er and b"\x0111=tls-1\x01" in er
        # The command-line client, trusting the self-signed certificate.
        out = subprocess.run(CLI + ["client", "--port", str(up.ports["clients"]), "--tls-ca", str(TLS / "cert.pem"),
                                    "--state-dir", str(tmp_path / "client"), "--reset", "-c", "orders"],
                             cwd=REPO, capture_output=True, text=True, timeout=60)
        assert out.returncode == 0, out.stdout + out.stderr
        assert "logged on" in out.stdout.lower(), out.stdout
        # Plain FIX on the TLS port gets no Logon back.
        with socket.create_connection(("127.0.0.1", up.ports["clients"]), timeout=3) as plain:
            plain.sendall(_fix([(35, "A"), (98, "0"), (108, "30")], 1))
            try:
                got = plain.recv(4096)
            except (TimeoutError, ConnectionError):
                got = b""
            assert b"35=A" not in got
        base = f"https://127.0.0.1:{up.ports['api']}/api/v1/order-management"
        with httpx.Client(verify=ssl.create_default_context(cafile=str(TLS / "cert.pem"))) as c:
            assert c.get(f"{base}/health").json()["status"] == "ok"
            orders = c.get(f"{base}/orders", headers=ALICE).json()["orders"]
            assert [o["client_order_id"] for o in orders] == ["tls-1"]
        with pytest.raises(httpx.HTTPError):
            httpx.get(f"http://127.0.0.1:{up.ports['api']}/api/v1/order-management/health", timeout=3)
    finally:
        up.stop()


def test_a_missing_certificate_is_a_config_error_naming_the_key(tmp_path: Path) -> None:
    cfg = tmp_path / "oms.yaml"
    cfg.write_text(yaml.safe_dump({"api": {"tls_cert": str(tmp_path / "nope.pem"), "tls_key": str(tmp_path / "k.pem")},
                                   "clients": {"port": free_port()}, "drop_copy": {"port": free_port()}}))
    out = subprocess.run(CLI + ["up", "--no-venues", "--config", str(cfg), "--state-dir", str(tmp_path / "s")],
                         cwd=REPO, capture_output=True, text=True, timeout=60)
    assert out.returncode == 2
    assert f"api.tls_cert: {tmp_path / 'nope.pem'}: no such file" in out.stderr


def test_an_orders_reports_survive_a_restart(tmp_path: Path) -> None:
    state = tmp_path / "state"
    up = Up(tmp_path, {}, state)
    base = f"http://127.0.0.1:{up.ports['api']}/api/v1/order-management"
    try:
        r = httpx.post(f"{base}/orders", headers=ALICE, json={"symbol": "MSFT", "side": "buy", "quantity": 100,
                                                               "order_type": "limit", "price": "400"})
        # No venue is up: the OMS accepts nothing it cannot route (OrdRejReason 2, or the collar's 3).
        assert r.status_code == 422, r.text
        oid = r.json()["order"]["order_id"]
        before = httpx.get(f"{base}/orders/{oid}/execution-reports", headers=ALICE).json()
        audit_before = httpx.get(f"{base}/audit?order_id={oid}", headers=ALICE).json()["events"]
    finally:
        up.stop()
    up = Up(tmp_path, {}, state)
    base = f"http://127.0.0.1:{up.ports['api']}/api/v1/order-management"
    try:
        after = httpx.get(f"{base}/orders/{oid}/execution-reports", headers=ALICE).json()
        assert after == before and after["reports"]
        audit_after = httpx.get(f"{base}/audit?order_id={oid}", headers=ALICE).json()["events"]
        assert audit_after == audit_before
        assert any(e["kind"] == "audit" and e["body"]["action"] == "order.new" for e in audit_after)
    finally:
        up.stop()
