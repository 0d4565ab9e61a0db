"""`mlops-new fleet report --html`: a fleet's status as one self-contained page.

One file, viewable offline: inline CSS, a small inline script that sorts the table by the
clicked header (or by `#sort=COLUMN`, `#sort=-COLUMN` for descending, in the address), and
two inline SVG bar charts: repositories by doctor level, and by how many releases behind.
"""

from __future__ import annotations

import html
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime

from mlops_new.fleet.status import Row

#: The table's columns: (key in `#sort=`, header).
COLUMNS = (
    ("name", "Repository"),
    ("release", "Release"),
    ("latest", "Latest"),
    ("behind", "Releases behind"),
    ("level", "Doctor level"),
    ("checks", "Checks passed"),
    ("score", "ML Test Score"),
    ("activity", "Last activity"),
    ("state", "State"),
)

_STYLE = """
body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222}
h1{font-size:1.5em;margin:0 0 .2em}.meta{color:#666;margin-bottom:1.5em}
.charts{display:flex;gap:3em;flex-wrap:wrap;margin-bottom:2em}
figure{margin:0}figcaption{font-weight:600;margin-bottom:.4em}
table{border-collapse:collapse;width:100%}th,td{padding:.35em .6em;border-bottom:1px solid #ddd;
text-align:left}th{cursor:pointer;background:#f4f4f6;user-select:none;white-space:nowrap}
th[aria-sort=ascending]::after{content:" \\25B2"}th[aria-sort=descending]::after{content:" \\25BC"}
td.name,td.activity{white-space:nowrap}
tr.behind td.behind{color:#b35c00;font-weight:600}tr.failing td.state{color:#b00020;font-weight:600}
.bar{fill:#3b6fb6}.bar.warn{fill:#d98b2b}.bar.bad{fill:#b00020}svg text{font-size:12px}
"""

_SCRIPT = """
(function(){
const table=document.getElementById('fleet'),body=table.tBodies[0];
const heads=[...table.tHead.rows[0].cells];
function key(td){const v=td.dataset.sort;return v!==''&&!isNaN(v)?Number(v):v;}
function sortBy(col,desc){
  const i=heads.findIndex(h=>h.dataset.key===col);if(i<0)return;
  const rows=[...body.rows];
  rows.sort((a,b)=>{const x=key(a.cells[i]),y=key(b.cells[i]);
    const c=(typeof x==='number'&&typeof y==='number')?x-y:String(x).localeCompare(String(y));
    return desc?-c:c;});
  rows.forEach(r=>body.appendChild(r));
  heads.forEach(h=>h.removeAttribute('aria-sort'));
  heads[i].setAttribute('aria-sort',desc?'descending':'ascending');
  table.dataset.sorted=(desc?'-':'')+col;
}
heads.forEach(h=>h.addEventListener('click',()=>{
  const desc=h.getAttribute('aria-sort')==='ascending';
  history.replaceState(null,'','#sort='+(desc?'-':'')+h.dataset.key);sortBy(h.dataset.key,desc);}));
function fromHash(){const m=location.hash.match(/^#sort=(-?)(\\w+)$/);if(m)sortBy(m[2],m[1]==='-');}
window.addEventListener('hashchange',fromHash);fromHash();
})();
"""


def render(rows: Sequence[Row], *, title: str = "Fleet report", now: datetime | None = None) -> str:
    """The page: a summary line, two charts and the sortable table of every repository."""
    when = (now or datetime.now(UTC)).strftime("%Y-%m-%d %H:%M UTC")
    behind = sum(bool(r.behind) for r in rows)
    failing = sum(r.failing for r in rows)
    summary = f"{len(rows)} repositories, {behind} behind their template, {failing} failing"
    levels = Counter("?" if r.level is None else str(r.level) for r in rows)
    lags = Counter("?" if r.behind_by is None else str(r.behind_by) for r in rows)
    level_bars = [(f"Level {k}", levels[k], "") for k in ("0", "1", "2")]
    lag_keys = sorted((k for k in lags if k != "?"), key=int)
    lag_bars = [(f"{k} behind", lags[k], "warn" if k != "0" else "") for k in lag_keys]
    for bars, counts in ((level_bars, levels), (lag_bars, lags)):
        if counts["?"]:
            bars.append(("unknown", counts["?"], "bad"))
    return (
        "\n".join(
            [
                "<!DOCTYPE html>",
                '<html lang="en"><head><meta charset="utf-8">',
                f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head><body>",
                f"<h1>{html.escape(title)}</h1>",
                f'<p class="meta" id="summary">{summary}; made {when} by mlops-new.</p>',
                '<div class="charts">',
                chart("levels", "Progress by doctor level", level_bars),
                chart("behind", "Releases behind the template", lag_bars),
                "</div>",
                _table(rows),
                f"<script>{_SCRIPT}</script>",
                "</body></html>",
            ]
        )
        + "\n"
    )


def chart(ident: str, caption: str, bars: Sequence[tuple[str, int, str]]) -> str:
    """A horizontal bar chart as inline SVG: one bar per (label, count, css class)."""
    top = max((count for _, count, _ in bars), default=0) or 1
    height, width, label_w = 26, 260, 90
    parts = [
        f'<figure id="chart-{ident}"><figcaption>{html.escape(caption)}</figcaption>',
        f'<svg width="{label_w + width + 40}" height="{height * len(bars) + 4}" role="img" '
        f'aria-label="{html.escape(caption)}">',
    ]
    for index, (label, count, css) in enumerate(bars):
        y = index * height
        length = round(width * count / top)
        parts += [
            f'<text x="0" y="{y + 17}">{html.escape(label)}</text>',
            f'<rect class="bar {css}" x="{label_w}" y="{y + 4}" width="{length}" height="18">'
            f"<title>{html.escape(label)}: {count}</title></rect>",
            f'<text x="{label_w + length + 6}" y="{y + 17}">{count}</text>',
        ]
    return "\n".join([*parts, "</svg></figure>"])


def _state(row: Row) -> str:
    if row.error:
        return row.error
    if row.conflicts:
        return "conflict markers in " + ", ".join(row.conflicts)
    return "clean" if row.clean else "uncommitted changes"


def _table(rows: Sequence[Row]) -> str:
    heads = "".join(f'<th data-key="{key}">{label}</th>' for key, label in COLUMNS)
    lines = ['<table id="fleet">', f"<thead><tr>{heads}</tr></thead>", "<tbody>"]
    for row in rows:
        css = " ".join(c for c, on in (("behind", row.behind), ("failing", row.failing)) if on)
        checks = "" if row.checks is None else f"{row.checks_passed}/{row.checks}"
        cells = (
            ("name", row.name, row.name),
            ("release", row.recorded, row.recorded),
            ("latest", row.latest, row.latest),
            ("behind", _blank(row.behind_by), -1 if row.behind_by is None else row.behind_by),
            ("level", _blank(row.level), -1 if row.level is None else row.level),
            ("checks", checks, -1 if row.checks is None else row.checks_passed),
            ("score", _blank(row.ml_test_score), _blank(row.ml_test_score, -1)),
            ("activity", row.last_commit[:10], row.last_commit),
            ("state", _state(row), _state(row)),
        )
        tds = "".join(
            f'<td class="{key}" data-sort="{html.escape(str(sort))}">{html.escape(str(text))}</td>'
            for key, text, sort in cells
        )
        lines.append(f'<tr class="{css}" data-name="{html.escape(row.name)}">{tds}</tr>')
    return "\n".join([*lines, "</tbody></table>"])


def _blank(value: object, empty: object = "") -> object:
    return empty if value is None else value
