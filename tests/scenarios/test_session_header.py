"""Standard header and trailer: cases 2a-2t, 3a-3e, D2-D4, X4, X6, for both roles."""

import pytest

from oms_fix.fix.codec import checksum
from oms_fix.fix.session import Session
from tests.scenarios.transcript import ABSENT, Has, acceptor, initiator, logged_on, nos

S = 10**9


def er(order_id: str) -> list[tuple[int, object]]:
    return [(37, order_id), (17, "E" + order_id), (150, "0"), (39, "0"), (54, "1"), (151, 100), (14, 0), (6, 0)]


def app(role: str, ident: str) -> tuple[str, list[tuple[int, object]]]:
    """An application message the peer of `role` would send: orders to an acceptor, reports to an initiator."""
    return ("D", nos(ident)) if role == "acceptor" else ("8", er(ident))


def ident(m) -> str:
    return (m.get(11) or m.get(37)).decode()


# ------------------------------------------------------------------ MsgSeqNum


def test_2a_expected_seq_is_accepted(role, feed):
    t = logged_on(role, feed)
    t.recv("0")
    t.expect_nothing()  # never answer a Heartbeat
    t.recv(*app(role, "A1"))
    assert [ident(m) for m in t.delivered()] == ["A1"]
    assert t.next_in == 4
    t.expect_connected()


def test_2b_seq_too_high_asks_once_and_holds_until_the_gap_is_filled(role, feed):
    t = logged_on(role, feed)
    t.peer_seq = 5
    t.recv(*app(role, "A5"))
    t.expect("2", {7: 2, 16: 0})
    assert t.delivered() == [] and t.next_in == 2
    t.recv(*app(role, "A6"))
    t.recv("0")
    t.expect_nothing()  # one ResendRequest per gap
    assert t.delivered() == [] and t.next_in == 2
    # the peer answers: 2-3 resent, 4 gap-filled, then 5.. again as duplicates
    t.recv(*app(role, "A2"), seq=2, poss_dup=True, orig_sending_time=t.now)
    assert [ident(m) for m in t.delivered()] == ["A2"]
    t.recv(*app(role, "A3"), seq=3, poss_dup=True, orig_sending_time=t.now)
    t.recv("4", [(123, "Y"), (36, 5)], seq=4, poss_dup=True, orig_sending_time=t.now)
    assert [ident(m) for m in t.delivered()] == ["A3", "A5", "A6"]
    assert t.next_in == 8
    t.recv(*app(role, "A5"), seq=5, poss_dup=True, orig_sending_time=t.now)
    assert t.delivered() == [] and t.next_in == 8  # 2e: a duplicate is not processed twice
    t.expect_nothing()
    t.expect_connected()


def test_2b_a_new_gap_after_recovery_gets_its_own_request(role):
    t = logged_on(role)
    t.recv("0", seq=3)
    t.expect("2", {7: 2, 16: 0})
    t.recv("4", [(123, "Y"), (36, 3)], seq=2, poss_dup=True, orig_sending_time=t.now)
    assert t.next_in == 4
    t.recv("0", seq=6)
    t.expect("2", {7: 4, 16: 0})
    t.expect_nothing()


def test_2c_seq_too_low_logs_out(role, feed):
    t = logged_on(role, feed)
    t.recv("0")
    t.recv(*app(role, "OLD"), seq=2)
    t.expect("5", {58: "MsgSeqNum too low, expecting 3 but received 2"})
    t.expect_nothing()
    t.expect_disconnect()
    assert t.delivered() == [] and t.next_in == 3
    assert t.noted("too low", "error")


def test_2c_poss_dup_N_is_still_too_low(role):
    t = logged_on(role)
    t.recv("0")
    t.recv("0", seq=2, header=[(43, "N")])
    t.expect("5", {58: Has("too low")})
    t.expect_disconnect()


@pytest.mark.parametrize("damage", ["checksum", "body_length_short", "body_length_long", "begin_string_shape"])
def test_2d_garbled_message_is_dropped_and_reading_goes_on(role, feed, damage):
    t = logged_on(role, feed)
    fields = t.header_fields("0", seq=2)
    if damage == "checksum":
        bad = t.raw(fields, check_sum=b"001")
    elif damage == "body_length_short":
        bad = t.raw(fields, body_length=20)
    elif damage == "body_length_long":
        good_len = len(t.raw(fields).split(b"\x01", 2)[2]) - len(b"10=000\x01")
        bad = t.raw(fields, body_length=good_len + 10)  # it ends inside the next message
    else:
        bad = t.raw(fields).replace(b"8=FIX.4.4", b"8=FIX44x", 1)
    t.recv_bytes(bad)
    t.expect_nothing()
    t.expect_connected()
    assert t.next_in == 2
    t.recv(*app(role, "A2"), seq=2)  # the same number, now intact
    assert [ident(m) for m in t.delivered()] == ["A2"] and t.next_in == 3
    t.expect_connected()
    assert t.noted("garbled", "warning")


def test_2d_garbled_message_then_a_higher_seq_asks_for_the_lost_one(role):
    t = logged_on(role)
    t.recv_bytes(t.raw(t.header_fields("0", seq=2), check_sum=b"001"))
    t.recv("0", seq=3)
    t.expect("2", {7: 2, 16: 0})


def test_2e_poss_dup_below_expected_is_dropped(role, feed):
    t = logged_on(role, feed)
    t.recv(*app(role, "A2"))
    assert len(t.delivered()) == 1
    t.recv(*app(role, "A2"), seq=2, poss_dup=True, orig_sending_time=t.now - 5 * S)
    t.expect_nothing()
    t.expect_connected()
    assert t.delivered() == [] and t.next_in == 3


def test_2e_poss_dup_at_expected_is_processed(role, feed):
    t = logged_on(role, feed)
    t.recv(*app(role, "A2"), poss_dup=True, orig_sending_time=t.now - 5 * S)
    assert [ident(m) for m in t.delivered()] == ["A2"] and t.next_in == 3
    t.expect_nothing()


def test_2f_D2_orig_sending_time_after_sending_time_is_rejected(role, feed):
    t = logged_on(role, feed)
    t.recv(*app(role, "A2"), poss_dup=True, orig_sending_time=t.now + 5 * S)
    t.expect("3", {45: 2, 372: "D" if role == "acceptor" else "8", 373: 10, 371: 122})
    t.expect_nothing()
    assert t.delivered() == [] and t.next_in == 3
    t.expect_connected()


def test_2f_equal_orig_sending_time_is_fine(role):
    t = logged_on(role)
    t.recv(*app(role, "A2"), poss_dup=True, orig_sending_time=t.now)
    assert len(t.delivered()) == 1 and t.next_in == 3
    t.expect_nothing()


def test_2g_D3_poss_dup_without_orig_sending_time_is_rejected(role, feed):
    t = logged_on(role, feed)
    t.recv(*app(role, "A2"), poss_dup=True)
    t.expect("3", {45: 2, 373: 1, 371: 122})
    assert t.delivered() == [] and t.next_in == 3
    t.expect_connected()


def test_2g_sequence_reset_is_exempt_from_orig_sending_time(role):
    t = logged_on(role)
    t.recv("4", [(123, "Y"), (36, 5)], poss_dup=True)
    t.expect_nothing()
    assert t.next_in == 5


# ---------------------------------------------------------------- BeginString


def test_2h_session_begin_string_is_accepted(role):
    t = logged_on(role)
    t.recv("0", begin=b"FIX.4.4")
    assert t.next_in == 3


def test_2i_other_begin_string_logs_out(role, feed):
    t = logged_on(role, feed)
    t.recv(*app(role, "A2"), begin=b"FIX.4.2")
    t.expect("5", {58: Has("BeginString")})
    t.expect_nothing()  # no session Reject
    t.expect_disconnect()
    assert t.delivered() == []


# ------------------------------------------------------------------- CompIDs


def test_2j_matching_comp_ids_are_accepted(role):
    t = logged_on(role)
    t.recv("0")
    assert t.next_in == 3


@pytest.mark.parametrize("tag", [49, 56])
def test_2k_wrong_comp_id_is_rejected_and_logged_out(role, feed, tag):
    t = logged_on(role, feed)
    kw = {"sender": "INTRUDER"} if tag == 49 else {"target": "SOMEONE"}
    t.recv(*app(role, "A2"), **kw)
    t.expect("3", {45: 2, 373: 9, 371: tag})  # D8: always name the tag
    t.expect("5", {58: Has("CompID")})
    t.expect_nothing()
    t.expect_disconnect()
    assert t.delivered() == [] and t.next_in == 3


# ---------------------------------------------------------------- BodyLength


def test_2l_correct_body_length_is_accepted(role):
    t = logged_on(role)
    t.recv_bytes(t.raw(t.header_fields("0", seq=2)))
    assert t.next_in == 3


@pytest.mark.parametrize("delta", [-1, -7, 1, 9])
def test_2m_wrong_body_length_is_garbled(role, feed, delta):
    t = logged_on(role, feed)
    fields = t.header_fields("1", seq=2) + [(112, "PING")]
    good_len = len(t.raw(fields).split(b"\x01", 2)[2]) - len(b"10=000\x01")
    t.recv_bytes(t.raw(fields, body_length=good_len + delta))
    t.expect_nothing()  # no Heartbeat: the TestRequest was never read
    t.expect_connected()
    assert t.next_in == 2
    # Resynchronise on the next "8=FIX": a too-long 9 reaches into the next
    # message, which is then read from its own start, so nothing is lost.
    t.recv("0", seq=2)
    t.recv("0", seq=3)
    assert t.next_in == 4
    t.expect_nothing()
    assert t.noted("BodyLength", "warning") or t.noted("CheckSum", "warning")


# --------------------------------------------------------------- SendingTime


@pytest.mark.parametrize("offset_s", [-119, -60, 0, 60, 119])
def test_2n_sending_time_within_tolerance_is_accepted(role, offset_s):
    t = logged_on(role)
    t.recv("0", sending_time=t.now + offset_s * S)
    t.expect_nothing()
    assert t.next_in == 3


@pytest.mark.parametrize("offset_s", [-121, 121, -86400])
def test_2o_sending_time_out_of_tolerance_is_rejected_and_logged_out(role, feed, offset_s):
    t = logged_on(role, feed)
    t.recv(*app(role, "A2"), sending_time=t.now + offset_s * S)
    t.expect("3", {45: 2, 373: 10, 371: 52})
    t.expect("5", {58: Has("SendingTime")})
    t.expect_nothing()
    t.expect_disconnect()
    assert t.delivered() == [] and t.next_in == 3


@pytest.mark.parametrize("value", [b"20240301-09:00:00+01:00", b"2024-03-01T09:00:00Z", b"20240301 09:00:00"])
def test_2o_sending_time_not_utc_timestamp_is_a_format_error(role, value):
    t = logged_on(role)
    t.recv("0", sending_time=value)
    t.expect("3", {45: 2, 373: 6, 371: 52})
    t.expect_connected()
    assert t.next_in == 3


# ------------------------------------------------------------------- MsgType


def test_2p_valid_msg_type_is_accepted(role):
    t = logged_on(role)
    t.recv(*app(role, "A2"))
    assert len(t.delivered()) == 1 and t.next_in == 3


@pytest.mark.parametrize("msg_type", ["ZZ", "*", "X9"])
def test_2q_undefined_msg_type_is_rejected(role, feed, msg_type):
    t = logged_on(role, feed)
    t.recv(msg_type, [(58, "what is this")])
    t.expect("3", {45: 2, 372: msg_type, 373: 11})
    t.expect_nothing()  # no BMR
    t.expect_connected()
    assert t.delivered() == [] and t.next_in == 3
    assert t.noted("MsgType", "warning")


def test_2r_unsupported_application_message_gets_a_business_reject(role):
    # The session hands the message over; our application cannot take it.
    t = logged_on(role)
    wrong = app("initiator" if role == "acceptor" else "acceptor", "X1")
    t.recv(*wrong)
    [m] = t.delivered()
    assert t.next_in == 3
    t.business_reject(m, 3, "unsupported MsgType")
    t.expect("j", {45: 2, 372: wrong[0], 380: 3, 58: Has("unsupported")})
    t.expect_nothing()
    t.expect_connected()
    assert t.next_in == 3


# ------------------------------------------------------- field order, trailer


def test_2s_8_9_35_first_are_accepted(role):
    t = logged_on(role)
    t.recv_bytes(t.raw([(35, "0"), (49, t.config.target_comp_id), (56, t.config.sender_comp_id), (34, 2),
                        (52, b"20240301-09:00:00.000")]))
    assert t.next_in == 3


@pytest.mark.parametrize("order", ["34_before_35", "49_before_35", "35_before_9"])
def test_2t_8_9_35_out_of_order_is_garbled(role, feed, order):
    t = logged_on(role, feed)
    h = dict(t.header_fields("0", seq=2))
    if order == "34_before_35":
        fields = [(34, 2), (35, "0"), (49, h[49]), (56, h[56]), (52, h[52])]
    elif order == "49_before_35":
        fields = [(49, h[49]), (35, "0"), (56, h[56]), (34, 2), (52, h[52])]
    else:
        body = b"49=%s\x0156=%s\x0134=2\x0152=%s\x01" % (h[49].encode(), h[56].encode(), h[52])
        msg = b"8=FIX.4.4\x0135=0\x019=%d\x01" % len(body) + body
        t.recv_bytes(msg + b"10=" + checksum(msg) + b"\x01")
        fields = None
    if fields is not None:
        t.recv_bytes(t.raw(fields))
    t.expect_nothing()
    t.expect_connected()
    assert t.next_in == 2


def test_3a_3d_correct_checksum_is_accepted(role):
    t = logged_on(role)
    t.recv("1", [(112, "T")])
    t.expect("0", {112: "T"})
    assert t.next_in == 3


def test_3b_wrong_checksum_is_dropped_and_the_same_seq_accepted_next(role, feed):
    t = logged_on(role, feed)
    t.recv_bytes(t.raw(t.header_fields("1", seq=2) + [(112, "T1")], check_sum=b"999"))
    t.expect_nothing()
    t.expect_connected()
    assert t.next_in == 2
    t.recv("1", [(112, "T2")], seq=2)
    t.expect("0", {112: "T2"})
    assert t.next_in == 3


@pytest.mark.parametrize("junk", [b"hello", b"\x01\x01", b"58=stray\x01", b"8=FIX"])
def test_3c_junk_between_messages_is_dropped(role, feed, junk):
    t = logged_on(role, feed)
    t.recv_bytes(junk)
    t.recv("1", [(112, "T")])
    t.expect("0", {112: "T"})
    t.expect_nothing()
    t.expect_connected()
    assert t.next_in == 3


@pytest.mark.parametrize("bad_field", [b"58", b"=x", b"abc=1", b"58=a=b=c\x01=", b"x"])
def test_3c_broken_tag_value_in_the_middle_is_garbled(role, feed, bad_field):
    t = logged_on(role, feed)
    head = b"".join(b"%d=%s\x01" % (k, v if isinstance(v, bytes) else str(v).encode())
                    for k, v in t.header_fields("0", seq=2)[1:])
    body = b"35=0\x01" + head + bad_field + b"\x01"
    msg = b"8=FIX.4.4\x019=%d\x01" % len(body) + body
    t.recv_bytes(msg + b"10=" + checksum(msg) + b"\x01")
    t.expect_nothing()
    t.expect_connected()
    assert t.next_in == 2
    t.recv("0", seq=2)
    assert t.next_in == 3


@pytest.mark.parametrize("tail", [b"10=12\x01", b"10=1234\x01", b"10=abc\x01", b"10=064", b"10=064\x0158=x\x01"])
def test_3e_checksum_not_three_digits_or_not_last_is_garbled(role, tail):
    t = logged_on(role)
    fields = t.header_fields("0", seq=2)
    good = t.raw(fields)
    msg = good[: good.rindex(b"10=")]
    if tail.startswith(b"10=064"):
        tail = tail.replace(b"064", good[-4:-1])  # the right value, in the wrong shape
        if tail.endswith(b"58=x\x01"):
            # 10 not last: BodyLength covers the extra field, so 10 is not where 9 says
            body = msg.split(b"\x01", 2)[2]
            msg = b"8=FIX.4.4\x019=%d\x01" % (len(body) + 6) + body
    t.recv_bytes(msg + tail)
    t.recv("0", seq=2)  # a good copy follows in the same stream
    t.expect_nothing()
    t.expect_connected()
    assert t.next_in == 3


# -------------------------------------------------------- MsgSeqNum missing


def test_X4_D4_message_without_msg_seq_num_logs_out(role, feed):
    t = logged_on(role, feed)
    t.recv_bytes(t.raw(t.header_fields("D", seq=None) + nos("NO34")[:4]))
    t.expect("5", {58: Has("MsgSeqNum")})
    t.expect_nothing()
    t.expect_disconnect()
    assert t.delivered() == [] and t.next_in == 2


def test_X4_msg_seq_num_not_a_number_logs_out(role):
    t = logged_on(role)
    h = [(k, v) if k != 34 else (34, "two") for k, v in t.header_fields("0", seq=2)]
    t.recv_bytes(t.raw(h))
    t.expect("5", {58: Has("MsgSeqNum")})
    t.expect_disconnect()
    assert t.next_in == 2


# ---------------------------------------------------------- third-party route
# 18a/18b (agreeing and policing a third-party route) belong to the counterparty
# profile, which the session does not hold: it passes 115/128 through to the
# application. Only the reversal on our Rejects and BMRs (X6) is the session's.


def test_X6_reject_reverses_the_route(role):
    t = logged_on(role)
    route = [(115, "CLIENTX"), (116, "DESK1"), (144, "LDN"), (128, "VENUE"), (129, "BOOTH"), (145, "NYC")]
    t.recv("0", [(5000, "x")], header=route)
    t.expect("3", {45: 2, 373: 0, 371: 5000,
                   128: "CLIENTX", 129: "DESK1", 145: "LDN", 115: "VENUE", 116: "BOOTH", 144: "NYC"})
    t.expect_connected()


def test_X6_empty_routing_fields_are_not_echoed(role):
    t = logged_on(role)
    t.recv("0", header=[(115, ""), (128, "VENUE")])
    t.expect("3", {45: 2, 373: 4, 371: 115, 128: ABSENT, 115: "VENUE"})


def test_X6_business_reject_reverses_the_route_too(role):
    t = logged_on(role)
    kind, body = app(role, "R1")
    t.recv(kind, body, header=[(115, "CLIENTX"), (116, "DESK1")])
    [m] = t.delivered()
    t.business_reject(m, 4, "application not available")
    t.expect("j", {45: 2, 380: 4, 128: "CLIENTX", 129: "DESK1", 115: ABSENT})


# ------------------------------------------------------------ PossResend


@pytest.mark.parametrize("case", ["19a", "19b"])
def test_19_poss_resend_is_passed_to_the_application(role, case):
    # Whether the business id was seen before is the application's check;
    # the session delivers it as a new message with 97=Y intact.
    t = logged_on(role)
    t.recv(*app(role, "P1"))
    t.recv(*app(role, "P1" if case == "19a" else "P2"), header=[(97, "Y")])
    msgs = t.delivered()
    assert [m.get(97) for m in msgs] == [None, b"Y"] and t.next_in == 4
    t.expect_nothing()


# ------------------------------------------------------- our own additions


def test_2b_request_with_no_answer_is_repeated_once_per_heartbeat_interval(role):
    t = logged_on(role, heartbeat_s=30)
    t.recv("0", seq=5)
    t.expect("2", {7: 2, 16: 0})
    t.advance(20)
    t.recv("0", seq=6)
    t.expect_nothing()  # still outstanding
    t.advance(11)
    t.unread.clear()  # our heartbeat
    t.recv("0", seq=7)
    t.expect("2", {7: 2, 16: 0})  # nothing came for a whole interval: ask again
    t.expect_nothing()


def test_message_above_the_size_limit_logs_out(role):
    t = acceptor() if role == "acceptor" else initiator()
    t.session = Session(t.config, t.store, max_message_size=256)
    t.logon()
    t.recv("D", nos("BIG") + [(58, "x" * 400)])
    t.expect("5", {58: Has("above the maximum")})
    t.expect_disconnect()
