"""A report as CSV (one row per order or fill, a header line) or as one standalone HTML page (no assets).

Nested values (an NBBO, a venue split) are flattened into ``outer.inner``
columns, lists joined with "; ", so a spreadsheet gets one plain cell each.
"""

from __future__ import annotations

import csv
import html
import io
from collections.abc import Iterable, Mapping
from typing import Any

__all__ = ["flatten", "to_csv", "to_html"]


def flatten(row: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in row.items():
        key = f"{prefix}{k}"
        if isinstance(v, Mapping):
            out.update(flatten(v, key + "."))
        elif isinstance(v, (list, tuple)):
            out[key] = "; ".join(_cell(x) for x in v)
        else:
            out[key] = v
    return out


def _cell(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, Mapping):
        return " ".join(f"{k}={_cell(x)}" for k, x in v.items())
    if isinstance(v, (list, tuple)):
        return "/".join(_cell(x) for x in v)
    return str(v)


def _columns(rows: Iterable[Mapping[str, Any]]) -> list[str]:
    cols: dict[str, None] = {}  # the first row's order, then any column a later row adds
    for r in rows:
        cols.update(dict.fromkeys(r))
    return list(cols)


def to_csv(rows: list[dict[str, Any]]) -> str:
    flat = [flatten(r) for r in rows]
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")  # RFC 4180 line ends
    cols = _columns(flat)
    w.writerow(cols)
    for r in flat:
        w.writerow([_cell(r.get(c)) for c in cols])
    return buf.getvalue()


_STYLE = """
body { font: 14px/1.4 system-ui, sans-serif; margin: 2em; color: #222; }
h1 { font-size: 1.4em; } h2 { font-size: 1.1em; margin-top: 2em; }
table { border-collapse: collapse; margin: .5em 0; }
th, td { border: 1px solid #ccc; padding: .25em .5em; text-align: left; vertical-align: top; }
th { background: #f0f0f0; } tr:nth-child(even) td { background: #fafafa; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
p.meta, p.empty { color: #666; }
"""


def _td(v: Any) -> str:
    text = html.escape(_cell(v))
    numeric = isinstance(v, (int, float)) and not isinstance(v, bool)
    return f'<td class="num">{text}</td>' if numeric else f"<td>{text}</td>"


def _table(rows: list[dict[str, Any]]) -> str:
    if not rows:
        return '<p class="empty">none</p>'
    flat = [flatten(r) for r in rows]
    cols = _columns(flat)
    head = "".join(f"<th>{html.escape(c)}</th>" for c in cols)
    body = "\n".join("<tr>" + "".join(_td(r.get(c)) for c in cols) + "</tr>" for r in flat)
    return f"<table>\n<thead><tr>{head}</tr></thead>\n<tbody>\n{body}\n</tbody>\n</table>"


def to_html(title: str, meta: Mapping[str, Any], tables: list[tuple[str, list[dict[str, Any]]]]) -> str:
    facts = " · ".join(f"{html.escape(k)}: {html.escape(_cell(v))}" for k, v in meta.items())
    sections = "\n".join(f"<h2>{html.escape(name)}</h2>\n{_table(rows)}" for name, rows in tables)
    return (f"<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            f"<title>{html.escape(title)}</title>\n<style>{_STYLE}</style>\n</head>\n<body>\n"
            f"<h1>{html.escape(title)}</h1>\n<p class=\"meta\">{facts}</p>\n{sections}\n</body>\n</html>\n")
