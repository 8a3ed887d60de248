"""The instruments file: the shipped one loads; ticks convert exactly; errors name file, key and fault."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from sim_venues.instruments import DEFAULT_INSTRUMENTS, Instrument, InstrumentsError, load_instruments

GOOD = """\
instruments:
  AAPL: {tick_size: 0.01, reference_price: 190.00, annual_volatility: 0.25, adv_shares: 55000000}
  BRK: {tick_size: "0.05", reference_price: "412.35", annual_volatility: 0.2, adv_shares: 3000000, lot_size: 10}
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "instruments.yaml"
    path.write_text(text)
    return path


def test_the_shipped_file_has_the_five_symbols() -> None:
    insts = load_instruments()
    assert DEFAULT_INSTRUMENTS.name == "instruments.yaml"
    assert {"AAPL", "MSFT", "GOOG", "AMZN", "TSLA"} <= set(insts)
    for symbol, i in insts.items():
        assert i.symbol == symbol and i.tick_size == Decimal("0.01") and i.lot_size == 100
        assert 0.1 <= i.annual_volatility <= 0.6 and i.adv_shares > 1_000_000
    assert insts["AAPL"].reference_ticks == 19000


def test_ticks_are_exact(tmp_path: Path) -> None:
    insts = load_instruments(write(tmp_path, GOOD))
    aapl, brk = insts["AAPL"], insts["BRK"]
    assert aapl.tick_size == Decimal("0.01")  # the YAML float 0.01 read through its repr, not 0.01000000000000000020816...
    assert aapl.to_ticks("190.01") == aapl.to_ticks(190.01) == aapl.to_ticks(Decimal("190.010")) == 19001
    assert aapl.to_ticks(0.07) == 7 and aapl.to_ticks(1) == 100
    assert aapl.from_ticks(19001) == Decimal("190.01") and aapl.format_px(19000) == "190.00"
    assert brk.to_ticks("412.35") == 8247 and brk.format_px(8247) == "412.35" and brk.lot_size == 10
    for px in range(1, 2000):
        assert aapl.to_ticks(aapl.format_px(px)) == px


def test_a_price_off_the_tick_names_the_price_and_the_tick() -> None:
    aapl = load_instruments()["AAPL"]
    with pytest.raises(ValueError, match=r"190\.005 is not a multiple of the tick 0\.01"):
        aapl.to_ticks("190.005")
    with pytest.raises(ValueError, match="not a number"):
        aapl.to_ticks("abc")
    with pytest.raises(ValueError, match="not a number"):
        aapl.to_ticks(float("nan"))


@pytest.mark.parametrize(("body", "message"), [
    ("  TSLA: {tick_size: 0, reference_price: 1, annual_volatility: 0.5, adv_shares: 1}",
     "instruments.TSLA.tick_size: must be greater than 0"),
    ("  TSLA: {tick_size: abc, reference_price: 1, annual_volatility: 0.5, adv_shares: 1}",
     "instruments.TSLA.tick_size: must be a decimal number, not 'abc'"),
    ("  TSLA: {tick_size: 0.01, reference_price: 175.005, annual_volatility: 0.5, adv_shares: 1}",
     "instruments.TSLA: reference_price 175.005 is not a multiple of tick_size 0.01"),
    ("  TSLA: {tick_size: 0.01, reference_price: 175, annual_volatility: 55, adv_shares: 1}",
     "instruments.TSLA.annual_volatility: must be a fraction a year between 0 and 5, not 55"),
    ("  TSLA: {tick_size: 0.01, reference_price: 175, annual_volatility: 0.5, adv_shares: 1.5}",
     "instruments.TSLA.adv_shares: Input should be a valid integer"),
    ("  TSLA: {tick_size: 0.01, reference_price: 175, annual_volatility: 0.5, adv_shares: 1, lot_size: -100}",
     "instruments.TSLA.lot_size: must be greater than 0"),
    ("  TSLA: {tick_size: 0.01, reference_price: 175, annual_volatility: 0.5}",
     "instruments.TSLA.adv_shares: Field required"),
    ("  TSLA: {tick_size: 0.01, reference_price: 175, annual_volatility: 0.5, adv_shares: 1, tick: 2}",
     "instruments.TSLA.tick: Extra inputs are not permitted"),
    ("  {}", "instruments: lists no instruments"),
])
def test_errors_name_the_file_the_key_and_the_fault(tmp_path: Path, body: str, message: str) -> None:
    path = write(tmp_path, "instruments:\n" + body + "\n")
    with pytest.raises(InstrumentsError) as e:
        load_instruments(path)
    assert f"{path}: {message}" in str(e.value).splitlines()


def test_missing_unreadable_or_misshapen_files(tmp_path: Path) -> None:
    with pytest.raises(InstrumentsError, match="no such file"):
        load_instruments(tmp_path / "nope.yaml")
    with pytest.raises(InstrumentsError, match="not valid YAML"):
        load_instruments(write(tmp_path, "instruments: [\n"))
    with pytest.raises(InstrumentsError, match="top level must be a mapping"):
        load_instruments(write(tmp_path, "- AAPL\n"))
    with pytest.raises(InstrumentsError, match="instruments: Field required"):
        load_instruments(write(tmp_path, "symbols: {}\n"))


def test_instrument_is_a_frozen_value() -> None:
    i = load_instruments()["MSFT"]
    with pytest.raises(AttributeError):
        i.lot_size = 1  # type: ignore[misc]
    assert i == Instrument(symbol="MSFT", tick_size=i.tick_size, reference_price=i.reference_price,
                           annual_volatility=i.annual_volatility, adv_shares=i.adv_shares, lot_size=i.lot_size)
