"""Transaction cost analysis: pure functions of fills, arrival mids, the market tape and the mid path.

No I/O and no clock: the simulation's report (and anything else holding the
same facts) calls these. ``tca`` documents every formula and the sign
convention (positive = cost, in basis points).
"""

from .league import AlgoOrder, AlgoRow, VenueRow, algo_league, venue_league
from .tape import MidPath, Tape
from .tca import DEFAULT_HORIZONS, FillMarks, OrderFacts, OrderTca, mark_fills, order_tca, side_sign

__all__ = ["DEFAULT_HORIZONS", "AlgoOrder", "AlgoRow", "FillMarks", "MidPath", "OrderFacts", "OrderTca", "Tape",
           "VenueRow", "algo_league", "mark_fills", "order_tca", "side_sign", "venue_league"]
