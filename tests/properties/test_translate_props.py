"""The ExecutionReport body and `wire` against the plain per-field reference they replaced.

`er_body` builds its text in one join and caches prices and the last body; the
reference below writes each field through `.value` and a formatted tag, as the
code did before. Both must give the same bytes for every report.
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from oms_fix.domain.enums import ExecRestatementReason, ExecType, OrdRejReason, OrdStatus, OrdType, Side, TimeInForce
from oms_fix.domain.reports import Report
from oms_fix.fix.codec import wire
from oms_fix.fix.translate import er_body
from oms_fix.fix.utctime import format_ns, format_text

SETTINGS = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _ref_wire(fields: list[tuple[int, str | bytes]]) -> bytes:
    return "".join([f"{t}={v}\x01" if type(v) is str else f"{t}={v.decode('latin-1')}\x01"  # type: ignore[union-attr]
                    for t, v in fields]).encode("latin-1")


def _ref_px(value: Decimal) -> str:
    text = format(value, "f")
    if "." in text:
        whole, frac = text.split(".")
        return f"{whole}.{frac.rstrip('0').ljust(2, '0')}"
    return text + ".00"


def _ref_avg_px(value: Decimal) -> str:
    return _ref_px(value.quantize(Decimal("1e-8"), rounding=ROUND_HALF_EVEN))


def _ref_er_body(r: Report, copy: bool = False) -> bytes:
    f: list[tuple[int, str | bytes]] = [(37, r.order_id)]
    if r.cl_ord_id:
        f.append((11, r.cl_ord_id))
    if r.orig_cl_ord_id:
        f.append((41, r.orig_cl_ord_id))
    if r.mass_status_req_id is not None:
        f.append((584, r.mass_status_req_id))
    if r.tot_num_reports is not None:
        f.append((911, str(r.tot_num_reports)))
    if r.last_rpt_requested is not None:
        f.append((912, "Y" if r.last_rpt_requested else "N"))
    f += [(17, r.exec_id)]
    if r.exec_ref_id:
        f.append((19, r.exec_ref_id))
    f += [(150, r.exec_type.value), (39, r.ord_status.value)]
    if r.ord_rej_reason is not None:
        f.append((103, r.ord_rej_reason.value))
    if r.exec_restatement_reason is not None:
        f.append((378, r.exec_restatement_reason.value))
    if r.account:
        f.append((1, r.account))
    f += [(55, r.symbol), (54, r.side.value), (38, str(r.order_qty)), (40, r.ord_type.value)]
    if r.price is not None:
        f.append((44, _ref_px(r.price)))
    f.append((59, r.time_in_force.value))
    if r.last_qty:
        f += [(32, str(r.last_qty)), (31, _ref_px(r.last_px))]
    f += [(151, str(r.leaves_qty)), (14, str(r.cum_qty)), (6, _ref_avg_px(r.avg_px) if r.cum_qty else "0")]
    if r.day_order_qty is not None:
        f.append((424, str(r.day_order_qty)))
    if r.day_cum_qty is not None:
        f.append((425, str(r.day_cum_qty)))
    if r.day_avg_px is not None:
        f.append((426, _ref_avg_px(r.day_avg_px)))
    f.append((60, format_ns(r.transact_time).decode()))
    if r.text:
        f.append((58, r.text))
    if copy:
        f.append((797, "Y"))
    return _ref_wire(f)


# Prices that recur (so the caches answer) and odd ones: zero of either sign, trailing
# zeros, exponents, long averages.
PRICES = st.one_of(
    st.sampled_from([Decimal(x) for x in ("190.25", "190.250", "190.2", "1.9025E+2", "0", "-0", "0.00", "-0.000",
                                          "1E+3", "100", "-5.5", "0.0001", "190.2166666666666666666666667")]),
    st.decimals(allow_nan=False, allow_infinity=False, places=4, min_value=-10**6, max_value=10**6),
    st.decimals(allow_nan=False, allow_infinity=False, min_value=-10**6, max_value=10**6),
)
TEXT = st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0xFF), max_size=12)
OPT_TEXT = st.one_of(st.none(), TEXT)
QTY = st.integers(0, 10**9)
OPT_QTY = st.one_of(st.none(), QTY)
TIMES = st.integers(0, 4_102_444_800 * 10**9)

REPORTS = st.builds(
    Report, order_id=TEXT, exec_id=TEXT, exec_type=st.sampled_from(ExecType), ord_status=st.sampled_from(OrdStatus),
    cl_ord_id=TEXT, orig_cl_ord_id=OPT_TEXT, account=TEXT, symbol=TEXT, side=st.sampled_from(Side),
    ord_type=st.sampled_from(OrdType), time_in_force=st.sampled_from(TimeInForce), price=st.one_of(st.none(), PRICES),
    order_qty=QTY, cum_qty=QTY, leaves_qty=QTY, avg_px=PRICES, last_qty=QTY, last_px=PRICES,
    exec_ref_id=OPT_TEXT, mass_status_req_id=OPT_TEXT, tot_num_reports=OPT_QTY,
    last_rpt_requested=st.one_of(st.none(), st.booleans()), day_order_qty=OPT_QTY, day_cum_qty=OPT_QTY,
    day_avg_px=st.one_of(st.none(), PRICES), ord_rej_reason=st.one_of(st.none(), st.sampled_from(OrdRejReason)),
    exec_restatement_reason=st.one_of(st.none(), st.sampled_from(ExecRestatementReason)), text=OPT_TEXT,
    transact_time=TIMES)


@SETTINGS
@given(st.lists(REPORTS, min_size=1, max_size=4), st.lists(st.booleans(), min_size=8, max_size=8))
def test_er_body_equals_the_per_field_reference(reports: list[Report], copies: list[bool]) -> None:
    # Reports written in turn, each once or twice (client, then drop copy), as the OMS does.
    for r, copy in zip(reports * 2, copies):
        assert er_body(r, copy) == _ref_er_body(r, copy)
        assert er_body(r, not copy) == _ref_er_body(r, not copy)


def test_er_body_of_an_equal_report_is_not_the_cached_one() -> None:
    a = Report(order_id="O1", exec_id="E1", exec_type=ExecType.NEW, ord_status=OrdStatus.NEW, cl_ord_id="C1",
               price=Decimal("0"))
    b = Report(order_id="O1", exec_id="E1", exec_type=ExecType.NEW, ord_status=OrdStatus.NEW, cl_ord_id="C1",
               price=Decimal("-0"))
    assert er_body(a) == _ref_er_body(a) and er_body(b) == _ref_er_body(b) != _ref_er_body(a)


FIELDS = st.lists(st.tuples(st.integers(-5, 20000), st.one_of(TEXT, TEXT.map(lambda s: s.encode("latin-1")))),
                  max_size=12)


@SETTINGS
@given(FIELDS)
def test_wire_equals_the_per_field_reference(fields: list[tuple[int, str | bytes]]) -> None:
    assert wire(fields) == _ref_wire(fields)


@SETTINGS
@given(st.lists(st.tuples(TIMES, st.sampled_from([0, 3, 6, 9])), min_size=1, max_size=6))
def test_format_text_is_format_ns_as_str(calls: list[tuple[int, int]]) -> None:
    for ns, precision in calls * 2:  # twice: from the caches the second time
        assert format_text(ns, precision) == format_ns(ns, precision).decode()
