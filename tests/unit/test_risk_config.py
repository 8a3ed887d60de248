"""config/risk.yaml: the shipped file loads with sensible limits; errors name the file, the key and the fault."""

from __future__ import annotations

from decimal import Decimal as D
from pathlib import Path

import pytest

from oms_fix.engine.risk_limits import Throttle
from oms_fix.risk_config import DEFAULT_RISK_CONFIG, RiskConfigError, load_risk_config

GOOD = """\
defaults: {max_order_qty: 1000, max_order_value: 250000.50, collar_pct: "2.5", credit_limit: "1e6"}
throttle:
  max_orders: 20
  window_ms: 500
  sessions: {FAST: {max_orders: 100}, FREE: {max_orders: null}, SLOW: {window_ms: 2000}}
restricted: [XYZ]
accounts:
  ACC001:
    limits: {max_order_qty: 5000, max_long: null}
    symbols: {TSLA: {max_order_qty: 10, collar_ticks: 5}}
    restricted: [GOOG]
    locates: {AAPL: 300}
  ACC002: {}
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "risk.yaml"
    path.write_text(text)
    return path


def test_the_shipped_file_covers_the_four_accounts() -> None:
    cfg = load_risk_config()
    assert DEFAULT_RISK_CONFIG.name == "risk.yaml"
    assert {"ACC001", "ACC002", "ACC003", "ACC004"} <= cfg.named_accounts()
    for account in ("ACC001", "ACC002", "ACC003", "ACC004", "OTHER"):
        for symbol in ("AAPL", "MSFT", "GOOG", "AMZN", "TSLA"):
            lim = cfg.limits(account, symbol)
            assert lim.max_order_qty and lim.max_order_value and lim.collar_pct and lim.max_long
            assert lim.max_daily_volume and lim.max_daily_trades and lim.max_short is not None
        assert cfg.account_limits(account).credit_limit
    assert cfg.throttle == Throttle(max_orders=50, window_ns=1_000_000_000)
    assert cfg.locates[("ACC001", "AAPL")] > 0 and cfg.is_restricted("ACC002", "GOOG")


def test_a_file_resolves_defaults_accounts_and_symbols(tmp_path: Path) -> None:
    cfg = load_risk_config(write(tmp_path, GOOD))
    assert cfg.defaults.max_order_value == D("250000.5") and cfg.defaults.collar_pct == D("2.5")
    assert cfg.account_limits("ACC001").credit_limit == D("1E+6")
    tsla = cfg.limits("ACC001", "TSLA")
    assert (tsla.max_order_qty, tsla.collar_ticks, tsla.max_long, tsla.collar_pct) == (10, 5, None, D("2.5"))
    assert cfg.limits("ACC001", "AAPL").max_order_qty == 5000 and cfg.limits("ACC002", "TSLA").max_order_qty == 1000
    assert cfg.is_restricted("ACC002", "XYZ") and cfg.is_restricted("ACC001", "GOOG")
    assert not cfg.is_restricted("ACC002", "GOOG")
    assert cfg.locates == {("ACC001", "AAPL"): 300}
    assert cfg.throttle_for("ANY") == Throttle(max_orders=20, window_ns=500_000_000)
    assert cfg.throttle_for("FAST") == Throttle(max_orders=100, window_ns=500_000_000)
    assert cfg.throttle_for("SLOW") == Throttle(max_orders=20, window_ns=2_000_000_000)
    assert cfg.throttle_for("FREE") is None
    assert {"ACC001", "ACC002"} == cfg.named_accounts()


@pytest.mark.parametrize(("text", "message"), [
    ("defaults: {max_order_qty: lots}", "defaults.max_order_qty: Input should be a valid integer"),
    ("defaults: {max_order_qty: 1.5}", "defaults.max_order_qty: Input should be a valid integer"),
    ("defaults: {max_order_qty: -1}", "defaults.max_order_qty: Input should be greater than or equal to 0"),
    ("defaults: {credit_limit: -5}", "defaults.credit_limit: Input should be greater than or equal to 0"),
    ("defaults: {max_order_value: abc}", "defaults.max_order_value: must be a decimal number, not 'abc'"),
    ("defaults: {collar_pct: 0}", "defaults.collar_pct: Input should be greater than 0"),
    ("defaults: {max_qty: 5}", "defaults.max_qty: Extra inputs are not permitted"),
    ("limits: {}", "limits: Extra inputs are not permitted"),
    ("accounts: {ACC001: {limits: {max_long: -10}}}",
     "accounts.ACC001.limits.max_long: Input should be greater than or equal to 0"),
    ("accounts: {ACC001: {symbols: {AAPL: {max_short: x}}}}",
     "accounts.ACC001.symbols.AAPL.max_short: Input should be a valid integer"),
    ("accounts: {ACC001: {symbols: {AAPL: {credit_limit: 5}}}}",
     "accounts.ACC001.symbols.AAPL.credit_limit: applies to a whole account: set it under the account's limits"),
    ("accounts: {ACC001: {locates: {AAPL: -100}}}", "accounts.ACC001.locates: negative locate for AAPL"),
    ("accounts: {ACC001: {locate: {AAPL: 100}}}", "accounts.ACC001.locate: Extra inputs are not permitted"),
    ("throttle: {max_orders: 0}", "throttle.max_orders: Input should be greater than or equal to 1"),
    ("throttle: {sessions: {C1: {max_orders: many}}}", "throttle.sessions.C1.max_orders: Input should be a valid integer"),
    ("restricted: AAPL", "restricted: Input should be a valid list"),
])
def test_errors_name_the_file_the_key_and_the_fault(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path, text + "\n")
    with pytest.raises(RiskConfigError) as e:
        load_risk_config(path)
    assert f"{path}: {message}" in str(e.value).splitlines()


def test_missing_and_malformed_files(tmp_path: Path) -> None:
    with pytest.raises(RiskConfigError, match="no such file"):
        load_risk_config(tmp_path / "nope.yaml")
    with pytest.raises(RiskConfigError, match="the top level must be a mapping"):
        load_risk_config(write(tmp_path, "- 1\n"))
