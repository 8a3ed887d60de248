"""The blotter in headless Chromium against a real `oms-fix up`: what a FIX client does shows in the page,
and what the page does reaches the venues.

One `oms-fix up` for the module (the OMS with its EXCH and ECN venue
processes on free ports, the REST API on another), a QuickFIX client as
CLIENT1 (account ACC001), and a fresh Chromium profile per test driven by
Debian's chromedriver. Without /usr/bin/chromium and /usr/bin/chromedriver
(scripts/_browser.sh installs them) the tests skip, or fail under CI=true.
"""

from __future__ import annotations

import json
import os
import re
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.interop.oms_up import INSTRUMENTS, RISK, VENUES, UpProcess, write_yaml
from tests.interop.peers import free_port
from tests.interop.qf_client import OmsClient, s

pytestmark = [pytest.mark.slow]

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
SCREENSHOT = Path("/tmp/blotter.png")
BASE = "/api/v1/order-management"
WAIT_S = 15.0


def _need_browser() -> None:
    missing = [str(p) for p in (CHROMIUM, CHROMEDRIVER) if not p.exists()]
    if not missing:
        return
    why = (f"{' and '.join(missing)} missing: the blotter test needs Debian's chromium and chromium-driver "
           "(scripts/_browser.sh installs them as root)")
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(why)
    pytest.skip(why)


@dataclass
class Blotter:
    up: UpProcess
    url: str
    client: OmsClient   # CLIENT1, account ACC001: alice's account

    def post(self, path: str, body: dict, key: str) -> dict:
        req = urllib.request.Request(self.url + BASE + path, data=json.dumps(body).encode(), method="POST",
                                     headers={"X-API-Key": key, "Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=10) as r:
            return json.loads(r.read())


def _wait_api(url: str, up: UpProcess, timeout_s: float = 30.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url + BASE + "/health", timeout=2) as r:
                if r.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError):
            pass
        if up.proc.poll() is not None:
            break
        time.sleep(0.1)
    raise AssertionError(f"the REST API on {url} did not answer /health:\n{up.output()}")


@pytest.fixture(scope="module")
def blotter(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Blotter]:
    _need_browser()
    tmp = tmp_path_factory.mktemp("blotter")
    ports = {"EXCH": free_port(), "ECN": free_port(), "clients": free_port(), "dc": free_port(), "api": free_port()}
    venues = write_yaml(tmp / "venues.yaml", {
        "instruments": INSTRUMENTS, "tick_ms": 50,
        "venues": {
            # Continuous trading from the start, for longer than the module runs.
            "EXCH": {"kind": "exchange", "port": ports["EXCH"], "flow_share": 0.55, "makers": True,
                     "day": {"pre_open_s": 0, "continuous_s": 3600, "closing_auction_s": 5, "closed_s": 5}},
            "ECN": {"kind": "ecn", "port": ports["ECN"], "flow_share": 0.35, "makers": True}}})
    oms = write_yaml(tmp / "oms.yaml", {
        "clients": {"port": ports["clients"], "sessions": [{"target_comp_id": "CLIENT1", "account": "ACC001"}]},
        "drop_copy": {"port": ports["dc"], "sessions": [{"target_comp_id": "DROPCOPY"}]},
        "instruments": INSTRUMENTS, "risk": RISK,
        "venues": [{"name": v, "port": ports[v]} for v in VENUES]})
    up = UpProcess(["--config", str(oms), "--venues-config", str(venues), "--seed", "7",
                    "--api-port", str(ports["api"])], tmp / "state")
    client = OmsClient(tmp / "clients" / "CLIENT1", ports["clients"], "CLIENT1")
    try:
        url = f"http://127.0.0.1:{ports['api']}"
        _wait_api(url, up)
        client.start()
        yield Blotter(up, url, client)
    finally:
        client.stop()
        rc, out = up.stop()
    assert rc == 0, out


@pytest.fixture
def browser(tmp_path: Path, blotter: Blotter) -> Iterator[object]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = str(CHROMIUM)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})  # the page's console, for script errors
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage", "--window-size=1500,1000", f"--user-data-dir={tmp_path / 'profile'}"):
        opts.add_argument(flag)
    # The driver named outright: Selenium Manager would otherwise try to download one (no network here).
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER), log_output=str(tmp_path / "chromedriver.log")),
                              options=opts)
    try:
        yield driver
    finally:
        driver.quit()


# ------------------------------------------------------------------ page helpers


def wait(driver, timeout_s: float = WAIT_S):
    from selenium.webdriver.support.ui import WebDriverWait
    return WebDriverWait(driver, timeout_s, poll_frequency=0.05)


def enter_key(driver, url: str, key: str) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec

    if not driver.current_url.startswith(url):
        driver.get(url + "/")
    field = wait(driver).until(ec.visibility_of_element_located((By.ID, "key-input")))
    field.send_keys(key)
    driver.find_element(By.ID, "key-submit").click()


def sign_in(driver, url: str, key: str) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec

    enter_key(driver, url, key)
    wait(driver).until(ec.visibility_of_element_located((By.ID, "main")),
                       f"the blotter did not open with the key; errors: {errors_shown(driver)}")
    wait(driver).until(ec.text_to_be_present_in_element((By.ID, "stream-state"), "live"))


def row_text(driver, order_id: str, col: str) -> str | None:
    from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
    from selenium.webdriver.common.by import By
    try:
        return driver.find_element(By.CSS_SELECTOR, f'tr[data-order-id="{order_id}"] td[data-col="{col}"]').text
    except (NoSuchElementException, StaleElementReferenceException):
        return None


def errors_shown(driver) -> str:
    from selenium.webdriver.common.by import By
    return " | ".join(e.text for e in driver.find_elements(By.CSS_SELECTOR, "#errors .error"))


def algo_filled(driver) -> int:
    """What the first algo card says is filled, once its chart has both lines (0 before)."""
    from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
    from selenium.webdriver.common.by import By
    try:
        card = driver.find_element(By.CSS_SELECTOR, ".algo")
        card.find_element(By.CSS_SELECTOR, "svg polyline.target")
        card.find_element(By.CSS_SELECTOR, "svg polyline.filled")
        m = re.search(r"filled ([\d,]+)", card.find_element(By.CSS_SELECTOR, ".algo-figures").text)
    except (NoSuchElementException, StaleElementReferenceException):
        return 0
    return int(m.group(1).replace(",", "")) if m else 0


def script_errors(driver) -> list[str]:
    """The page's console errors, less the failed requests it shows as errors on purpose (403, 422, ...)."""
    return [e["message"] for e in driver.get_log("browser")
            if e["level"] == "SEVERE" and "Failed to load resource" not in e["message"]]


def fix_order(c: OmsClient, cl: str, qty: int, price: str) -> str:
    """A resting AAPL buy (inside the 5% collar, below the offers) entered over FIX; its OrderID."""
    c.new_order(cl, "AAPL", "1", qty, price)
    return s(c.wait_report(cl, "0"), 37)


def children_sent(up: UpProcess, price: str, qty_max: int) -> list[tuple[str, str]]:
    """(venue, child ClOrdID) of every NewOrderSingle the OMS sent a venue at ``price``."""
    out = []
    for venue in VENUES:
        path = up.state / "fix" / "log" / f"FIX.4.4-{up.comp_id}--{venue}.messages.log"
        for line in path.read_text(errors="replace").splitlines():
            if "|35=D|" in line and f"|44={price}|" in line:
                m = re.search(r"\|11=([^|]+)\|", line)
                q = re.search(r"\|38=(\d+)\|", line)
                if m and q and int(q.group(1)) <= qty_max:
                    out.append((venue, m.group(1)))
    return out


def cancel_sent(up: UpProcess, venue: str, child: str, timeout_s: float = 5.0) -> bool:
    """Whether the OMS's message log for ``venue`` shows an OrderCancelRequest (35=F) for ``child``: the log
    is written as the message goes, so it may trail the client's Canceled by a moment."""
    log = up.state / "fix" / "log" / f"FIX.4.4-{up.comp_id}--{venue}.messages.log"
    deadline = time.monotonic() + timeout_s
    while True:
        if any("|35=F|" in ln and f"|41={child}|" in ln for ln in log.read_text(errors="replace").splitlines()):
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)


# ------------------------------------------------------------------ the tests


def test_a_fix_order_shows_live_and_the_trader_cancels_it_at_the_venue(blotter: Blotter, browser) -> None:
    from selenium.webdriver.common.by import By

    d = browser
    sign_in(d, blotter.url, "local-alice-key")
    assert "alice" in d.find_element(By.ID, "who").text

    # An algo order from the page's form, and a market order over FIX that fills, so the chart and the
    # fills have something.
    from selenium.webdriver.support.ui import Select

    d.find_element(By.ID, "order-symbol").clear()
    d.find_element(By.ID, "order-symbol").send_keys("MSFT")
    d.find_element(By.ID, "order-qty").clear()
    d.find_element(By.ID, "order-qty").send_keys("2000")
    Select(d.find_element(By.ID, "order-type")).select_by_value("twap")
    d.find_element(By.ID, "order-params").send_keys("duration_minutes=0.5;num_slices=10;strategy=aggressive")
    d.find_element(By.ID, "order-submit").click()
    wait(d).until(lambda _: d.find_elements(By.CSS_SELECTOR, ".algo"),
                  f"the TWAP from the form shows no algo card; errors: {errors_shown(d)}")
    blotter.client.new_order("BLTMKT", "AAPL", "1", 300)
    blotter.client.wait_done("BLTMKT")

    price = "185.37"  # a price only this test uses: its children are found by it in the venue logs
    oid = fix_order(blotter.client, "BLT1", 200, price)
    wait(d).until(lambda _: row_text(d, oid, "status") == "new",
                  f"order {oid} did not show as new; errors: {errors_shown(d)}")
    assert row_text(d, oid, "client_order_id") == "BLT1"
    assert (row_text(d, oid, "leaves_quantity"), row_text(d, oid, "filled_quantity")) == ("200", "0")
    assert row_text(d, oid, "source").startswith("FIX")
    children = children_sent(blotter.up, price, 200)
    assert children, f"no child of {oid} at {price} in the venue logs"
    wait(d).until(lambda _: d.find_elements(By.CSS_SELECTOR, "#fills tbody tr"), "no fill shown")
    wait(d).until(lambda _: algo_filled(d) > 0, "the algo chart shows no fill")
    d.save_screenshot(str(SCREENSHOT))

    d.find_element(By.CSS_SELECTOR, f'tr[data-order-id="{oid}"] button.cancel').click()
    canceled = blotter.client.wait_for(lambda m: m.msg_type == b"8" and s(m, 37) == oid and s(m, 150) == "4",
                                       what=f"ExecType 4 (Canceled) for {oid}")
    assert (s(canceled, 41), s(canceled, 39), s(canceled, 14)) == ("BLT1", "4", "0")
    for venue, child in children:
        assert cancel_sent(blotter.up, venue, child), f"no 35=F for child {child} in the OMS's {venue} log"
    wait(d).until(lambda _: row_text(d, oid, "status") == "canceled",
                  f"order {oid} did not show as canceled; errors: {errors_shown(d)}")
    # Done orders leave the working table and lose their Cancel button.
    assert d.find_elements(By.CSS_SELECTOR, f'#done tr[data-order-id="{oid}"]')
    assert not d.find_elements(By.CSS_SELECTOR, f'tr[data-order-id="{oid}"] button.cancel')
    assert not errors_shown(d)
    assert not script_errors(d)


def test_a_viewer_sees_orders_but_has_no_cancel_button(blotter: Blotter, browser) -> None:
    from selenium.webdriver.common.by import By

    d = browser
    oid = fix_order(blotter.client, "BLTV1", 100, "185.21")
    enter_key(d, blotter.url, "not-a-key")
    wait(d).until(lambda _: "401 unauthorized" in errors_shown(d), "a wrong key was not refused visibly")
    assert d.find_element(By.ID, "key-form").is_displayed() and not d.find_element(By.ID, "main").is_displayed()
    sign_in(d, blotter.url, "local-viewer-key")
    assert "viewer" in d.find_element(By.ID, "who").text
    wait(d).until(lambda _: row_text(d, oid, "status") == "new", f"order {oid} not shown to the viewer")
    assert not d.find_elements(By.CSS_SELECTOR, "button.cancel")
    assert not d.find_element(By.ID, "order-form").is_displayed()
    assert not d.find_element(By.ID, "kill-form").is_displayed()
    blotter.client.cancel("BLTV2", "BLTV1", "AAPL", "1", 100)
    wait(d).until(lambda _: row_text(d, oid, "status") == "canceled", f"order {oid}'s cancel not shown")
    # The key stays with the tab (sessionStorage): a reload opens the blotter again without asking.
    d.refresh()
    wait(d).until(lambda _: row_text(d, oid, "status") == "canceled", "the reloaded page did not keep the key")
    assert not script_errors(d)


def test_the_risk_desk_kills_and_revives_an_account_and_errors_show(blotter: Blotter, browser) -> None:
    from selenium.webdriver.common.by import By

    d = browser
    sign_in(d, blotter.url, "local-risk-key")
    assert not d.find_elements(By.CSS_SELECTOR, "button.cancel")
    d.find_element(By.ID, "kill-account").send_keys("ACC002")
    d.find_element(By.ID, "kill-button").click()
    wait(d).until(lambda _: d.find_elements(By.CSS_SELECTOR, '#kill-list .kill[data-account="ACC002"]'))
    d.find_element(By.ID, "revive-button").click()
    wait(d).until(lambda _: not d.find_elements(By.CSS_SELECTOR, "#kill-list .kill"))
    # A refusal shows with its status, word and rule: the account id breaks the request schema.
    d.find_element(By.ID, "kill-account").clear()
    d.find_element(By.ID, "kill-account").send_keys("no such|account")
    d.find_element(By.ID, "kill-button").click()
    wait(d).until(lambda _: "422" in errors_shown(d))
    assert "rule: request schema" in errors_shown(d)
    assert not script_errors(d)
