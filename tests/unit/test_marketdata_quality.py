"""``MarketWatch.view``: the market an algo is shown, read from a hand-filled ``ConsolidatedBook``, and
whether it is fit to trade on; ``figures()`` counting views and episodes."""

from __future__ import annotations

from decimal import Decimal

from oms_fix.engine.algos.base import VenueQuote
from oms_fix.marketdata.consolidated import BUY, SELL, ConsolidatedBook
from oms_fix.marketdata.quality import DEFAULT_STALE_AFTER_S, MarketWatch

S = 1_000_000_000
T0 = 1_800_000_000 * S


def D(x: str) -> Decimal:
    return Decimal(x)


def quoted() -> ConsolidatedBook:
    """AAPL at two venues: EXCH 189.98 x 190.02, ECN 189.99 x 190.01 (the NBBO), last touched at T0."""
    book = ConsolidatedBook()
    book.snapshot("EXCH", "AAPL", [(D("189.98"), 300), (D("189.97"), 500)], [(D("190.02"), 400)])
    book.snapshot("ECN", "AAPL", [(D("189.99"), 200)], [(D("190.01"), 100), (D("190.03"), 900)])
    book.touch("AAPL", T0)
    return book


def test_a_quoted_symbol_is_shown_with_its_nbbo_last_volume_and_each_venue() -> None:
    book = quoted()
    book.trade("EXCH", "AAPL", D("190.00"), 300, T0)
    book.trade("ECN", "AAPL", D("190.01"), 200, T0)
    m = MarketWatch(book).view("AAPL", T0 + S)
    assert (m.bid, m.bid_size, m.ask, m.ask_size) == (D("189.99"), 200, D("190.01"), 100)
    assert (m.last, m.volume, m.stale, m.crossed) == (D("190.01"), 500, "", False)
    assert m.mid == D("190.00") and m.spread == D("0.02")
    # Venues in name order, each with its own top of book.
    assert m.venues == (VenueQuote(venue="ECN", bid=D("189.99"), bid_size=200, ask=D("190.01"), ask_size=100),
                        VenueQuote(venue="EXCH", bid=D("189.98"), bid_size=300, ask=D("190.02"), ask_size=400))


def test_equal_best_prices_at_two_venues_add_their_sizes() -> None:
    book = quoted()
    book.level("EXCH", "AAPL", BUY, D("189.99"), 600)
    m = MarketWatch(book).view("AAPL", T0)
    assert (m.bid, m.bid_size) == (D("189.99"), 800)


def test_no_quote_is_unfit_with_no_venues_and_no_prices() -> None:
    m = MarketWatch(ConsolidatedBook()).view("AAPL", T0)
    assert m.stale == "no quote"
    assert (m.bid, m.ask, m.last, m.volume, m.venues, m.crossed) == (None, None, None, 0, (), False)


def test_a_venue_that_went_away_takes_its_quotes_with_it() -> None:
    book = quoted()
    book.clear("ECN")
    book.clear("EXCH")
    assert MarketWatch(book).view("AAPL", T0).stale == "no quote"


def test_one_side_quoted_is_unfit() -> None:
    book = ConsolidatedBook()
    book.snapshot("EXCH", "AAPL", [(D("189.98"), 300)], [])
    book.touch("AAPL", T0)
    m = MarketWatch(book).view("AAPL", T0)
    assert m.stale == "one-sided quote"
    assert (m.bid, m.ask, m.mid) == (D("189.98"), None, None)
    assert m.venues == (VenueQuote(venue="EXCH", bid=D("189.98"), bid_size=300),)
    # The bid goes too (a level deleted by an increment): nothing is quoted.
    book.level("EXCH", "AAPL", BUY, D("189.98"), 0)
    assert MarketWatch(book).view("AAPL", T0).stale == "no quote"


def test_the_quote_goes_stale_after_stale_after_s_without_data_and_fresh_again_on_data() -> None:
    book = quoted()
    watch = MarketWatch(book, stale_after_s=5)
    assert watch.view("AAPL", T0 + 5 * S).stale == ""  # exactly at the limit: still fit
    m = watch.view("AAPL", T0 + 5 * S + 1)
    assert m.stale == "stale: no data for 5.0 s"
    assert (m.bid, m.ask) == (D("189.99"), D("190.01"))  # still shown, for what it is worth
    assert watch.view("AAPL", T0 + 12 * S + 300_000_000).stale == "stale: no data for 12.3 s"
    book.touch("AAPL", T0 + 12 * S)
    assert watch.view("AAPL", T0 + 13 * S).stale == ""


def test_the_default_stale_limit() -> None:
    watch = MarketWatch(quoted())
    assert DEFAULT_STALE_AFTER_S == 30.0
    assert watch.view("AAPL", T0 + 30 * S).stale == ""
    assert watch.view("AAPL", T0 + 31 * S).stale.startswith("stale:")


def test_a_symbol_never_touched_is_not_stale_for_silence() -> None:
    book = ConsolidatedBook()
    book.snapshot("EXCH", "AAPL", [(D("189.98"), 300)], [(D("190.02"), 400)])
    watch = MarketWatch(book, stale_after_s=1)
    assert watch.view("AAPL", T0 + 100 * S).stale == ""
    assert watch.figures()["AAPL"]["longest_silence_s"] == 0


def test_touches_of_another_symbol_do_not_keep_a_quote_fresh() -> None:
    book = quoted()
    book.snapshot("EXCH", "MSFT", [(D("409.99"), 100)], [(D("410.01"), 100)])
    book.touch("MSFT", T0 + 10 * S)
    watch = MarketWatch(book, stale_after_s=5)
    assert watch.view("AAPL", T0 + 10 * S).stale.startswith("stale:")
    assert watch.view("MSFT", T0 + 10 * S).stale == ""


def test_a_crossed_market_is_flagged_but_fit_to_trade() -> None:
    book = quoted()
    book.level("EXCH", "AAPL", BUY, D("190.02"), 100)  # EXCH's bid above ECN's 190.01 offer
    m = MarketWatch(book).view("AAPL", T0)
    assert m.crossed and m.stale == ""
    assert (m.bid, m.ask) == (D("190.02"), D("190.01"))


def test_a_locked_market_is_not_crossed() -> None:
    book = quoted()
    book.level("EXCH", "AAPL", BUY, D("190.01"), 100)  # bid equal to the other venue's offer
    assert not MarketWatch(book).view("AAPL", T0).crossed


def test_a_crossed_market_that_goes_stale_is_both() -> None:
    book = quoted()
    book.level("ECN", "AAPL", SELL, D("189.97"), 100)
    m = MarketWatch(book, stale_after_s=1).view("AAPL", T0 + 2 * S)
    assert m.crossed and m.stale.startswith("stale:")


def test_figures_count_views_and_episodes_per_symbol() -> None:
    book = quoted()
    book.snapshot("EXCH", "MSFT", [(D("409.99"), 100)], [(D("410.01"), 100)])
    book.touch("MSFT", T0)
    watch = MarketWatch(book, stale_after_s=5)
    assert watch.figures() == {}
    watch.view("AAPL", T0 + S)  # fit
    watch.view("AAPL", T0 + 6 * S)  # stale: episode 1
    watch.view("AAPL", T0 + 8 * S)  # still the same episode
    book.touch("AAPL", T0 + 8 * S)
    watch.view("AAPL", T0 + 9 * S)  # fit again
    watch.view("AAPL", T0 + 20 * S)  # stale: episode 2, the longest silence
    book.touch("AAPL", T0 + 20 * S)
    book.level("EXCH", "AAPL", BUY, D("190.05"), 100)
    watch.view("AAPL", T0 + 20 * S)  # crossed: episode 1
    watch.view("AAPL", T0 + 21 * S)  # still crossed
    book.level("EXCH", "AAPL", BUY, D("190.05"), 0)
    watch.view("AAPL", T0 + 21 * S)
    book.level("EXCH", "AAPL", BUY, D("190.05"), 100)
    watch.view("AAPL", T0 + 21 * S)  # crossed: episode 2
    watch.view("MSFT", T0)
    assert watch.figures() == {
        "AAPL": {"views": 9, "stale": 3, "crossed": 3, "stale_episodes": 2, "crossed_episodes": 2,
                 "longest_silence_s": 12.0, "gaps": {}},
        "MSFT": {"views": 1, "stale": 0, "crossed": 0, "stale_episodes": 0, "crossed_episodes": 0,
                 "longest_silence_s": 0.0, "gaps": {}},
    }
    assert list(watch.figures()) == ["AAPL", "MSFT"]


def test_a_change_of_reason_while_unfit_is_the_same_episode() -> None:
    book = ConsolidatedBook()
    watch = MarketWatch(book)
    watch.view("AAPL", T0)  # no quote
    book.snapshot("EXCH", "AAPL", [(D("189.98"), 300)], [])
    book.touch("AAPL", T0)
    watch.view("AAPL", T0)  # one-sided: still unfit
    f = watch.figures()["AAPL"]
    assert (f["views"], f["stale"], f["stale_episodes"]) == (2, 2, 1)


def test_a_venue_whose_feed_went_silent_while_others_send_is_a_gap():
    book = ConsolidatedBook()
    book.snapshot("EXCH", "AAPL", [(D("189.98"), 100)], [(D("190.02"), 100)])
    book.snapshot("ECN", "AAPL", [(D("189.99"), 100)], [(D("190.01"), 100)])
    book.touch("AAPL", T0, "EXCH")
    book.touch("AAPL", T0, "ECN")
    watch = MarketWatch(book, stale_after_s=5)
    book.touch("AAPL", T0 + 10 * S, "EXCH")  # ECN has said nothing for 10 s
    m = watch.view("AAPL", T0 + 10 * S)
    assert m.stale == ""  # the symbol's data is fresh: EXCH keeps sending
    assert watch.figures()["AAPL"]["gaps"] == {"ECN": 1}
