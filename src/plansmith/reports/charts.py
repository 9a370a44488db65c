"""Charts of the report document drawn as SVG with Matplotlib, for the HTML and PDF reports.

Matplotlib's object API (a :class:`~matplotlib.figure.Figure` with an SVG canvas, never
``pyplot``) keeps no global state between charts, so a server may draw in several threads.
The SVG keeps its text as text (selectable, and searchable in the PDF), carries no metadata or
date (the same report gives the same bytes), and every id in it is prefixed with the chart's
id, so several charts can sit inline in one HTML page without their ids colliding.
"""

from __future__ import annotations

import io
import re
import threading
from datetime import date, datetime
from typing import Any

import matplotlib as mpl
from matplotlib.backends.backend_svg import FigureCanvasSVG
from matplotlib.dates import date2num
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from plansmith.reports.document import Chart

COLOURS = ("#1f5f99", "#2e8540", "#c0392b", "#7f8c8d", "#8e44ad")
MARKER_COLOURS = {"P50": "#7f8c8d", "P80": "#c0392b", "plan": "#1f5f99"}
_ID = re.compile(r'\bid="([^"]+)"')
_URL = re.compile(r"url\(#([^)]+)\)")
_HREF = re.compile(r'href="#([^"]+)"')
_PROLOGUE = re.compile(r"^.*?(?=<svg)", re.DOTALL)
# Matplotlib's settings are global: one chart at a time sets and restores them (a server draws
# from several threads).
_LOCK = threading.Lock()
_RC: dict[Any, Any] = {
    "svg.fonttype": "none",  # text as <text>, not glyph outlines
    "svg.hashsalt": "plansmith",  # stable clip-path ids: the same chart gives the same SVG
    "font.family": "DejaVu Sans",
    "font.size": 8.0,
}


def _thousands(value: float, _: object) -> str:
    return f"{value:,.0f}"


def svg(chart: Chart, width: float = 7.0, height: float = 2.8) -> str:
    """The chart as an ``<svg>`` element (no XML prologue), ready to put inline in HTML."""
    with _LOCK, mpl.rc_context(_RC):
        figure = Figure(figsize=(width, height))
        FigureCanvasSVG(figure)
        axes = figure.add_subplot()
        categorical = all(isinstance(x, str) for s in chart.series for x in s.x)
        for k, series in enumerate(chart.series):
            colour = COLOURS[k % len(COLOURS)]
            xs: list[Any] = [_x(x) for x in series.x]
            if series.style == "bar":
                axes.bar([str(x) for x in series.x], series.y, color=colour, label=series.name)
            elif series.style == "step":
                axes.step(xs, series.y, where="post", color=colour, label=series.name)
            elif series.style == "points":
                axes.plot(xs, series.y, "o", color=colour, label=series.name)
            else:
                axes.plot(xs, series.y, "-o" if len(xs) < 30 else "-", color=colour,
                          markersize=3, label=series.name)  # fmt: skip
        if not categorical:
            for marker in chart.markers:
                colour = MARKER_COLOURS.get(marker.label, "#555555")
                axes.axvline(_num(marker.x), color=colour, linestyle="--", linewidth=1)
                axes.annotate(
                    marker.label, (_num(marker.x), 1.0), xycoords=("data", "axes fraction"),
                    xytext=(2, -10), textcoords="offset points", color=colour,
                )  # fmt: skip
            figure.autofmt_xdate()
        axes.set_ylabel(chart.y_label)
        if chart.y_kind == "money":
            axes.yaxis.set_major_formatter(FuncFormatter(_thousands))
        axes.grid(True, axis="y", color="#dddddd", linewidth=0.6)
        axes.spines[["top", "right"]].set_visible(False)
        if len(chart.series) > 1 or chart.series[0].style != "bar":
            axes.legend(loc="best", frameon=False)
        figure.tight_layout()
        out = io.StringIO()
        figure.savefig(out, format="svg", metadata={"Date": None, "Creator": None})
    return _scoped(out.getvalue(), chart.id)


def _x(value: date | datetime | float | str) -> float | datetime | str:
    if isinstance(value, date) and not isinstance(value, datetime):
        return datetime(value.year, value.month, value.day)
    return value


def _num(value: date | datetime | float) -> float:
    """A marker's place on the axis: Matplotlib's day number for a date."""
    moment = _x(value)
    if isinstance(moment, datetime):
        return float(date2num(moment))  # type: ignore[no-untyped-call]
    return float(moment)


def _scoped(text: str, prefix: str) -> str:
    text = _PROLOGUE.sub("", text, count=1)
    text = _ID.sub(lambda m: f'id="{prefix}-{m.group(1)}"', text)
    text = _URL.sub(lambda m: f"url(#{prefix}-{m.group(1)})", text)
    return _HREF.sub(lambda m: f'href="#{prefix}-{m.group(1)}"', text)
