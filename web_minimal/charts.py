"""Charts drawn by the server as SVG: bars (stacked) or lines, with their title, axis and
legend; no script. Each chart is followed on its page by the table of its figures.

The SVG carries ``role="img"`` and a title and description that screen readers read; colours
come with a legend and the table, never alone.
"""

from __future__ import annotations

import math
from html import escape

from markupsafe import Markup

from pipeline.ops.trends import Chart

WIDTH, HEIGHT = 760, 260
LEFT, RIGHT, TOP, BOTTOM = 56, 12, 14, 58
#: Colours distinguishable by most people, contrast ≥ 3:1 on white (graphics, RGAA 3.2).
PALETTE = ("#000091", "#c9191e", "#18753c", "#b34000", "#6a6af4", "#7b5a00", "#00676e",
           "#8c3c9e", "#3a3a3a", "#a94645")


def svg_chart(chart: Chart) -> Markup:
    """The chart as an inline SVG element."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    top = _top(chart)
    n = max(len(chart.labels), 1)
    step = plot_w / n
    height = HEIGHT + 22 * _legend_rows(chart)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" '
             f'role="img" aria-labelledby="{chart.id}-titre {chart.id}-desc" class="graphique">',
             f'<title id="{chart.id}-titre">{escape(chart.title)}</title>',
             f'<desc id="{chart.id}-desc">{escape(_description(chart))}</desc>']
    for tick in _ticks(top):
        y = TOP + plot_h - plot_h * tick / top
        parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" '
                     'stroke="#dddddd"/>')
        parts.append(f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11" '
                     f'fill="#3a3a3a">{_number(tick)}</text>')
    every = max(1, math.ceil(n / 12))
    for index, label in enumerate(chart.labels):
        if index % every == 0:
            x = LEFT + step * (index + 0.5)
            parts.append(f'<text x="{x:.1f}" y="{TOP + plot_h + 16}" text-anchor="middle" '
                         f'font-size="11" fill="#3a3a3a">{escape(label)}</text>')
    parts += _bars(chart, top, step, plot_h) if chart.stacked else _lines(chart, top, step,
                                                                          plot_h)
    parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{TOP + plot_h}" '
                 f'y2="{TOP + plot_h}" stroke="#3a3a3a"/>')
    parts.append(f'<text x="{LEFT}" y="{TOP + plot_h + 34}" font-size="11" fill="#3a3a3a">'
                 f'{escape(chart.unit)}</text>')
    parts += _legend(chart, TOP + plot_h + 44)
    parts.append("</svg>")
    return Markup("".join(parts))  # every text above is escaped


def _top(chart: Chart) -> float:
    if chart.stacked:
        totals = [sum(s.values[i] or 0 for s in chart.series) for i in range(len(chart.labels))]
    else:
        totals = [v or 0 for s in chart.series for v in s.values]
    highest = max(totals, default=0)
    if highest <= 0:
        return 1.0
    magnitude = 10 ** math.floor(math.log10(highest))
    for factor in (1, 2, 2.5, 5, 10):
        if highest <= factor * magnitude:
            return factor * magnitude
    return 10 * magnitude


def _ticks(top: float) -> list[float]:
    if top == int(top) and top <= 8:
        return [float(i) for i in range(int(top) + 1)]  # small counts: whole numbers only
    return [top * i / 4 for i in range(5)]


def _number(value: float) -> str:
    return f"{value:g}".replace(".", ",")


def _bars(chart: Chart, top: float, step: float, plot_h: float) -> list[str]:
    parts = []
    width = max(step * 0.7, 1)
    for index in range(len(chart.labels)):
        base = 0.0
        for colour, series in zip(_colours(chart), chart.series, strict=False):
            value = series.values[index] or 0
            if value <= 0:
                continue
            height = plot_h * value / top
            y = TOP + plot_h - plot_h * base / top - height
            x = LEFT + step * index + (step - width) / 2
            parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{width:.1f}" '
                         f'height="{height:.1f}" fill="{colour}"><title>'
                         f'{escape(chart.labels[index])} — {escape(series.name)} : '
                         f'{_number(value)}</title></rect>')
            base += value
    return parts


def _lines(chart: Chart, top: float, step: float, plot_h: float) -> list[str]:
    parts = []
    for colour, series in zip(_colours(chart), chart.series, strict=False):
        points = [(LEFT + step * (i + 0.5), TOP + plot_h - plot_h * v / top)
                  for i, v in enumerate(series.values) if v is not None]
        if len(points) > 1:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
            parts.append(f'<polyline points="{path}" fill="none" stroke="{colour}" '
                         'stroke-width="2"/>')
        parts += [f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.5" fill="{colour}"/>'
                  for x, y in points]
    return parts


def _colours(chart: Chart) -> list[str]:
    return [PALETTE[i % len(PALETTE)] for i in range(len(chart.series))]


def _legend_rows(chart: Chart) -> int:
    return max(0, (len(chart.series) - 1) // 4)


def _legend(chart: Chart, y: float) -> list[str]:
    parts = []
    for index, (colour, series) in enumerate(zip(_colours(chart), chart.series, strict=False)):
        x = LEFT + (index % 4) * 175
        row_y = y + 22 * (index // 4)
        parts.append(f'<rect x="{x}" y="{row_y:.1f}" width="12" height="12" fill="{colour}"/>')
        parts.append(f'<text x="{x + 17}" y="{row_y + 11:.1f}" font-size="12" '
                     f'fill="#1e1e1e">{escape(series.name)}</text>')
    return parts


def _description(chart: Chart) -> str:
    if not chart.series:
        return "Aucune donnée sur la période."
    first, last = chart.labels[0], chart.labels[-1]
    totals = ", ".join(f"{s.name} : {_number(sum(v or 0 for v in s.values))}"
                       for s in chart.series) if chart.stacked else ", ".join(
        f"{s.name} : au plus {_number(max((v or 0) for v in s.values))}" for s in chart.series)
    return f"Du {first} au {last}, en {chart.unit}. {totals}. Le tableau qui suit donne chaque " \
           "valeur."
