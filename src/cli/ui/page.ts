/**
 * The live page's markup and style. Shipped inside the package (no CDN, no
 * inline script or style, so the Content-Security-Policy can forbid both).
 */

export const PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>ff-webhook listen</title>
<link rel="stylesheet" href="/app.css">
<script src="/app.js" defer></script>
</head>
<body>
<header>
  <h1>ff-webhook <span class="sub">live evaluations</span></h1>
  <span id="status" class="status">connecting…</span>
  <label class="filter">Filter by flag key <input id="filter" type="search" placeholder="e.g. new-checkout" autocomplete="off" spellcheck="false"></label>
</header>
<main>
  <section class="tiles">
    <div class="tile"><span class="label">Batches</span><span id="batches" class="value">0</span></div>
    <div class="tile"><span class="label">Events</span><span id="events" class="value">0</span></div>
    <div class="tile"><span class="label">Events / s</span><span id="events-rate" class="value">0</span></div>
    <div class="tile"><span class="label">Batches / s</span><span id="batches-rate" class="value">0</span></div>
    <div class="tile"><span class="label">Mean batch size</span><span id="mean-size" class="value">–</span></div>
    <div class="tile" id="failures-tile"><span class="label">Signature failures</span><span id="failures" class="value">0</span></div>
    <div class="tile"><span class="label">Other rejections</span><span id="rejected" class="value">0</span></div>
    <div class="tile"><span class="label">Re-sent batches</span><span id="duplicates" class="value">0</span></div>
  </section>
  <section class="card wide">
    <h2>Evaluations per second, by flag and variation <small>last 60 s</small></h2>
    <svg id="chart" class="chart" role="img" aria-label="Evaluations per second by flag and variation"></svg>
    <ul id="legend" class="legend"></ul>
  </section>
  <section class="card">
    <h2>Batches per second <small>last 60 s</small></h2>
    <svg id="batch-chart" class="chart small" role="img" aria-label="Batches per second"></svg>
  </section>
  <section class="card">
    <h2>Batch sizes <small>latest 40 batches</small></h2>
    <svg id="size-chart" class="chart small" role="img" aria-label="Sizes of the latest batches"></svg>
  </section>
  <section class="card wide">
    <h2>Evaluations by flag and variation <small>since start</small></h2>
    <table id="totals">
      <thead><tr><th>Flag</th><th>Variation</th><th class="num">Evaluations</th><th class="share">Share of the flag</th></tr></thead>
      <tbody></tbody>
    </table>
    <p id="totals-empty" class="empty">Waiting for batches: POST them to this address (any path).</p>
  </section>
  <section class="card wide">
    <h2>Latest events <small>newest first, at most 100</small></h2>
    <div class="scroll">
    <table id="latest">
      <thead><tr><th>Received</th><th>Flag</th><th>Variation</th><th>User</th><th>Value</th><th>Batch meta</th></tr></thead>
      <tbody></tbody>
    </table>
    </div>
  </section>
</main>
</body>
</html>
`;

export const PAGE_CSS = `
:root { --bg: #f5f6f8; --card: #fff; --ink: #1d2330; --muted: #6b7280; --line: #e3e6eb; --bad: #c62828; --ok: #2e7d32; }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--ink); font: 14px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
header { display: flex; align-items: center; gap: 16px; flex-wrap: wrap; padding: 14px 24px; background: #1d2330; color: #fff; }
h1 { margin: 0; font-size: 18px; font-weight: 600; }
h1 .sub { font-weight: 400; color: #aab2c0; margin-left: 4px; }
.status { font-size: 12px; padding: 2px 10px; border-radius: 10px; background: #4b5563; }
.status.live { background: var(--ok); }
.status.down { background: var(--bad); }
.filter { margin-left: auto; font-size: 13px; color: #cfd5df; }
.filter input { margin-left: 8px; padding: 5px 8px; border-radius: 4px; border: 1px solid #4b5563; background: #2a3242; color: #fff; width: 220px; font: inherit; }
main { display: grid; grid-template-columns: repeat(2, minmax(0, 1fr)); gap: 16px; padding: 16px 24px 32px; }
.tiles { grid-column: 1 / -1; display: grid; grid-template-columns: repeat(auto-fit, minmax(130px, 1fr)); gap: 12px; }
.tile { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 10px 14px; display: flex; flex-direction: column; }
.tile .label { font-size: 12px; color: var(--muted); }
.tile .value { font-size: 22px; font-weight: 600; font-variant-numeric: tabular-nums; }
.tile.bad { border-color: var(--bad); }
.tile.bad .value { color: var(--bad); }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 12px 16px; min-width: 0; contain: content; }
.card.wide { grid-column: 1 / -1; }
h2 { margin: 0 0 8px; font-size: 14px; font-weight: 600; }
h2 small { font-weight: 400; color: var(--muted); margin-left: 6px; }
.chart { display: block; width: 100%; height: 240px; }
.chart.small { height: 140px; }
.chart text { font-size: 11px; fill: var(--muted); }
.chart .grid { stroke: var(--line); stroke-width: 1; }
.chart polyline { fill: none; stroke-width: 2; stroke-linejoin: round; }
.legend { list-style: none; margin: 8px 0 0; padding: 0; display: flex; flex-wrap: wrap; gap: 6px 16px; font-size: 12px; }
.legend li { display: flex; align-items: center; gap: 6px; }
.legend .swatch { width: 10px; height: 10px; border-radius: 2px; display: inline-block; }
table { width: 100%; border-collapse: collapse; font-size: 13px; }
th, td { text-align: left; padding: 5px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { font-weight: 600; color: var(--muted); font-size: 12px; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
th.share { width: 30%; }
td.share svg { display: block; width: 100%; height: 10px; }
td.mono, #latest td { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12px; }
#latest { table-layout: fixed; }
#latest th:nth-child(1) { width: 110px; } #latest th:nth-child(2) { width: 20%; } #latest th:nth-child(3) { width: 12%; } #latest th:nth-child(4) { width: 14%; }
#latest td { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.scroll { max-height: 420px; overflow: auto; }
.empty { color: var(--muted); margin: 8px 0 0; }
.hidden { display: none; }
@media (max-width: 800px) { main { grid-template-columns: minmax(0, 1fr); } .filter { margin-left: 0; } }
`;
