"""Field-level validation: cases 14a-14m, 15, X1, D10.

Every 14x row: Reject with 45 = its 34, 372 = its MsgType, 371 and 373 as
listed; NextNumIn +1; not delivered; the session stays up.

14n (a tag in both the clear and the encrypted part) cannot arise: we support
only EncryptMethod 0, and a Logon asking for more is refused (17b).
"""

import pytest

from oms_fix.fix.codec import checksum
from tests.scenarios.transcript import Has, Transcript, logged_on, nos

TS = "20240301-09:00:00.000"


def order(cl_ord_id: str = "C1") -> list[tuple[int, object]]:
    return nos(cl_ord_id)


def with_field(tag: int, value: object) -> list[tuple[int, object]]:
    """An order with `tag` set to `value`, in place if the order has it, else appended."""
    body = order()
    if any(k == tag for k, _ in body):
        return [(k, value if k == tag else v) for k, v in body]
    return body + [(tag, value)]


def expect_rejected(t: Transcript, msg_type: str, reason: int, ref_tag: int) -> None:
    t.expect("3", {45: 2, 372: msg_type, 373: reason, 371: ref_tag})
    t.expect_nothing()
    t.expect_connected()
    assert t.delivered() == [] and t.next_in == 3
    t.peer_seq = 3
    t.recv("0")  # and the session goes on
    assert t.next_in == 4


def raw_message(t: Transcript, fields: bytes) -> bytes:
    body = b"35=D\x01" + fields
    msg = b"8=FIX.4.4\x019=%d\x01" % len(body) + body
    return msg + b"10=" + checksum(msg) + b"\x01"


def header_bytes(t: Transcript, seq: int = 2) -> bytes:
    return b"49=%s\x0156=%s\x0134=%d\x0152=%s\x01" % (
        t.config.target_comp_id.encode(), t.config.sender_comp_id.encode(), seq, TS.encode())


@pytest.mark.parametrize("tag", [999, 5000, 0, -1])
def test_14a_undefined_tag_is_rejected(role, feed, tag):
    t = logged_on(role, feed)
    t.recv("D", order() + [(tag, "x")])
    expect_rejected(t, "D", 0, tag)


def test_14a_user_defined_enum_value_is_accepted(role):
    t = logged_on(role)
    t.recv("D", order() + [(847, 1000), (848, "duration_minutes=60;num_slices=12")])
    assert len(t.delivered()) == 1 and t.next_in == 3
    t.expect_nothing()


@pytest.mark.parametrize("missing", [11, 40, 54, 60])
def test_14b_required_body_field_missing_is_rejected(role, feed, missing):
    t = logged_on(role, feed)
    t.recv("D", [f for f in order() if f[0] != missing])
    expect_rejected(t, "D", 1, missing)


def test_14b_sending_time_missing_is_rejected(role):
    t = logged_on(role)
    fields = [f for f in t.header_fields("D", seq=2) if f[0] != 52] + order()
    t.recv_bytes(t.raw(fields))
    expect_rejected(t, "D", 1, 52)


@pytest.mark.parametrize("missing", [49, 56])
def test_14b_comp_id_missing_is_rejected_not_a_compid_mismatch(role, missing):
    t = logged_on(role)
    fields = [f for f in t.header_fields("D", seq=2) if f[0] != missing] + order()
    t.recv_bytes(t.raw(fields))
    expect_rejected(t, "D", 1, missing)


@pytest.mark.parametrize("msg_type, body, tag", [("0", [(55, "AAPL")], 55), ("D", [(36, 5)], 36),
                                                 ("1", [(112, "x"), (44, "1.5")], 44)])
def test_14c_tag_not_allowed_in_this_message_type_is_rejected(role, feed, msg_type, body, tag):
    t = logged_on(role, feed)
    t.recv(msg_type, (order() if msg_type == "D" else []) + body)
    expect_rejected(t, msg_type, 2, tag)


def test_14d_empty_value_in_the_body_is_rejected(role, feed):
    t = logged_on(role, feed)
    t.recv("1", [(112, "")])
    t.expect("3", {45: 2, 372: "1", 373: 4, 371: 112})
    t.expect_nothing()  # no Heartbeat for it
    assert t.next_in == 3


@pytest.mark.parametrize("tag", [56, 49])
def test_14d_empty_comp_id_is_rejected_not_a_compid_mismatch(role, tag):
    t = logged_on(role)
    fields = [(k, "" if k == tag else v) for k, v in t.header_fields("D", seq=2)] + order()
    t.recv_bytes(t.raw(fields))
    expect_rejected(t, "D", 4, tag)


@pytest.mark.parametrize("tag, value", [(21, "4"), (54, "Z"), (167, "BOO"), (40, "Q"), (847, "999")])
def test_14e_value_outside_the_enum_is_rejected(role, feed, tag, value):
    t = logged_on(role, feed)
    t.recv("D", with_field(tag, value))
    expect_rejected(t, "D", 5, tag)


@pytest.mark.parametrize("tag, value", [(38, "ABC"), (38, "+200"), (38, "1e3"), (60, "20240301-25:00:00"),
                                        (60, "2024-03-01 09:00"), (44, "12,5")])
def test_14f_value_in_the_wrong_format_is_rejected(role, feed, tag, value):
    t = logged_on(role, feed)
    t.recv("D", with_field(tag, value))
    expect_rejected(t, "D", 6, tag)


def test_14g_header_field_after_the_body_is_rejected(role, feed):
    t = logged_on(role, feed)
    fields = b"49=%s\x0156=%s\x0152=%s\x01" % (t.config.target_comp_id.encode(), t.config.sender_comp_id.encode(),
                                               TS.encode())
    body = b"".join(b"%d=%s\x01" % (k, str(v).encode()) for k, v in order())
    t.recv_bytes(raw_message(t, fields + body + b"34=2\x01"))
    expect_rejected(t, "D", 14, 34)


def test_14g_body_field_after_the_trailer_is_rejected(role):
    t = logged_on(role)
    body = b"".join(b"%d=%s\x01" % (k, str(v).encode()) for k, v in order())
    t.recv_bytes(raw_message(t, header_bytes(t) + body + b"93=3\x0189=abc\x0158=late\x01"))
    expect_rejected(t, "D", 14, 58)


@pytest.mark.parametrize("tag", [55, 11, 49])
def test_14h_tag_appearing_twice_is_rejected(role, feed, tag):
    t = logged_on(role, feed)
    dup = {55: b"55=MSFT\x01", 11: b"11=C2\x01", 49: b"49=%s\x01" % t.config.target_comp_id.encode()}[tag]
    body = b"".join(b"%d=%s\x01" % (k, str(v).encode()) for k, v in order())
    if tag == 49:
        t.recv_bytes(raw_message(t, header_bytes(t) + dup + body))
    else:
        t.recv_bytes(raw_message(t, header_bytes(t) + body + dup))
    expect_rejected(t, "D", 13, tag)


@pytest.mark.parametrize("count, entries", [(3, 2), (1, 2), (2, 0)])
def test_14i_num_in_group_count_mismatch_is_rejected(role, feed, count, entries):
    t = logged_on(role, feed)
    group = [(386, count)] + [(336, f"S{i}") for i in range(entries)]
    t.recv("D", order() + group)
    expect_rejected(t, "D", 16, 386)


def test_14j_D10_group_entry_fields_out_of_order_is_rejected(role, feed):
    t = logged_on(role, feed)
    parties = [(453, 1), (447, "D"), (448, "BROKER1"), (452, 1)]  # 448 is the delimiter: it must lead
    t.recv("D", order() + parties)
    expect_rejected(t, "D", 15, 447)


def test_14j_D10_member_out_of_order_inside_an_entry_is_rejected(role):
    t = logged_on(role)
    parties = [(453, 1), (448, "BROKER1"), (452, 1), (447, "D")]
    t.recv("D", order() + parties)
    expect_rejected(t, "D", 15, 447)


def test_14k_soh_inside_a_non_data_field_is_dropped_as_garbled(role, feed):
    # Our choice under the 2020 text: the tokenizer cannot split it, so it is
    # garbled (dropped, `=`), not rejected with 373=17.
    t = logged_on(role, feed)
    body = b"".join(b"%d=%s\x01" % (k, str(v).encode()) for k, v in order()) + b"58=two\x01lines\x01"
    t.recv_bytes(raw_message(t, header_bytes(t) + body))
    t.expect_nothing()
    t.expect_connected()
    assert t.delivered() == [] and t.next_in == 2


def test_14k_soh_inside_a_data_field_is_fine(role):
    t = logged_on(role)
    body = b"".join(b"%d=%s\x01" % (k, str(v).encode()) for k, v in order()) + b"354=8\x01355=two\x01line\x01"
    t.recv_bytes(raw_message(t, header_bytes(t) + body))
    [m] = t.delivered()
    assert m.get(355) == b"two\x01line" and t.next_in == 3


def test_14l_application_not_available_is_a_business_reject(role):
    t = logged_on(role)
    t.recv("D", order("C9"))
    [m] = t.delivered()
    t.business_reject(m, 4, "application not available", ref_id=b"C9")
    t.expect("j", {45: 2, 372: "D", 379: "C9", 380: 4})
    t.expect_nothing()
    assert t.next_in == 3


def test_14m_conditionally_required_field_missing_is_a_business_reject(role):
    t = logged_on(role)
    t.recv("D", with_field(40, "2"))  # a limit order without Price(44)
    [m] = t.delivered()
    t.business_reject(m, 5, "Price(44) required for OrdType=2")
    t.expect("j", {45: 2, 372: "D", 380: 5, 58: Has("44")})
    assert t.next_in == 3


def test_15_fields_in_other_legal_orders_are_accepted(role, feed):
    t = logged_on(role, feed)
    us, peer = t.config.sender_comp_id, t.config.target_comp_id
    orders = [
        [(56, us), (49, peer), (34, 2), (52, TS)],
        [(52, TS), (34, 3), (56, us), (49, peer)],
        [(34, 4), (49, peer), (52, TS), (56, us)],
    ]
    bodies = [order("A"), list(reversed(order("B"))), order("C")[3:] + order("C")[:3]]
    for head, body in zip(orders, bodies):
        t.recv_bytes(t.raw([(35, "D"), *head, *body, (453, 1), (448, "P"), (447, "D"), (452, 1)]))
    assert [m.get(11) for m in t.delivered()] == [b"A", b"B", b"C"]
    assert t.next_in == 5
    t.expect_nothing()


@pytest.mark.parametrize("group", [[(453, 0)], [(386, 0)], [(453, 0), (386, 0)]])
def test_X1_group_count_zero_without_entries_is_accepted(role, feed, group):
    t = logged_on(role, feed)
    t.recv("D", order() + group)
    assert len(t.delivered()) == 1 and t.next_in == 3
    t.expect_nothing()


def test_14f_timestamp_with_an_impossible_date_is_rejected(role):
    t = logged_on(role)
    t.recv("D", with_field(60, "20240230-09:00:00.000"))
    expect_rejected(t, "D", 6, 60)


def test_14f_sending_time_with_an_impossible_date_is_a_format_error(role):
    t = logged_on(role)
    t.recv("0", sending_time=b"20240230-09:00:00.000")
    t.expect("3", {45: 2, 373: 6, 371: 52})
    t.expect_connected()
