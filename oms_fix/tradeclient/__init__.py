"""The trade client behind `oms-fix client`: a command language, an order view, readable reports.

`parse` turns a command line into a command or a `CommandError`; `requests`
turns a command into the fields of one FIX message; `orders` keeps the
client's view of its orders from the ExecutionReports it receives; `render`
prints an incoming message as one line. All four are pure; `live` binds them
to a FixInitiator.
"""
