/**
 * The live page's script: plain browser JavaScript, no framework, no build
 * step. It keeps the latest snapshot pushed on /events and redraws at most once
 * per animation frame; all network text goes in through textContent and SVG
 * attributes, never as markup. (Written without template literals, as it lives
 * inside one.)
 */
export const PAGE_SCRIPT = String.raw`'use strict';
(function () {
  var SVG = 'http://www.w3.org/2000/svg';
  var COLORS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#17becf', '#bcbd22', '#7f7f7f'];
  var colorOf = new Map();
  var snapshot = null;
  var pending = false;
  var filterInput = document.getElementById('filter');

  function byId(id) { return document.getElementById(id); }
  function seriesId(s) { return s.flag + '\u0000' + s.variation; }
  function color(s) {
    var id = seriesId(s);
    if (!colorOf.has(id)) colorOf.set(id, COLORS[colorOf.size % COLORS.length]);
    return colorOf.get(id);
  }
  function number(n) { return Math.round(n).toLocaleString('en-US'); }
  function el(name, attrs, text) {
    var node = name.indexOf('svg:') === 0 ? document.createElementNS(SVG, name.slice(4)) : document.createElement(name);
    for (var key in attrs) node.setAttribute(key, String(attrs[key]));
    if (text !== undefined) node.textContent = text;
    return node;
  }
  function matches(flag) {
    var wanted = filterInput.value.trim().toLowerCase();
    return wanted === '' || flag.toLowerCase().indexOf(wanted) !== -1;
  }
  // The top of an axis with four grid steps of a round, whole size (1, 2, 3, 4, 5, 6, 8, 10, 15, 20, 25…),
  // so every tick label is exact.
  function niceMax(value) {
    var want = Math.max(value, 4) / 4;
    var power = Math.pow(10, Math.floor(Math.log10(want)));
    var units = [1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10];
    for (var i = 0; i < units.length; i++) {
      var step = units[i] * power;
      if (Number.isInteger(step) && step >= want) return 4 * step;
    }
    return 40 * power;
  }
  function size(svg) {
    var box = svg.getBoundingClientRect();
    return { w: Math.max(box.width, 200), h: Math.max(box.height, 80) };
  }
  function axes(svg, dims, max, left, bottom, xLabels) {
    for (var i = 0; i <= 4; i++) {
      var y = dims.h - bottom - (dims.h - bottom - 8) * i / 4;
      svg.appendChild(el('svg:line', { x1: left, x2: dims.w - 4, y1: y, y2: y, class: 'grid' }));
      svg.appendChild(el('svg:text', { x: left - 6, y: y + 4, 'text-anchor': 'end' }, number(max * i / 4)));
    }
    xLabels.forEach(function (label) {
      svg.appendChild(el('svg:text', { x: label.x, y: dims.h - 4, 'text-anchor': label.anchor }, label.text));
    });
  }
  function timeLabels(dims, left, n) {
    var plot = dims.w - 4 - left;
    return [60, 45, 30, 15, 0].map(function (ago) {
      var x = left + plot * (n - 1 - ago) / (n - 1);
      return { x: x, anchor: ago === 60 ? 'start' : ago === 0 ? 'end' : 'middle', text: ago === 0 ? 'now' : '-' + ago + ' s' };
    });
  }

  function drawLines(svg, dims, series) {
    svg.replaceChildren();
    var left = 44, bottom = 20, n = snapshot.windowSeconds;
    var max = 0;
    series.forEach(function (s) { s.perSecond.forEach(function (v) { if (v > max) max = v; }); });
    max = niceMax(max);
    axes(svg, dims, max, left, bottom, timeLabels(dims, left, n));
    var plotW = dims.w - 4 - left, plotH = dims.h - bottom - 8;
    series.forEach(function (s) {
      var points = s.perSecond.map(function (v, i) {
        return (left + plotW * i / (n - 1)).toFixed(1) + ',' + (dims.h - bottom - plotH * v / max).toFixed(1);
      }).join(' ');
      svg.appendChild(el('svg:polyline', { points: points, stroke: color(s), 'data-flag': s.flag, 'data-variation': s.variation, 'data-total': s.total }));
    });
  }

  function drawBars(svg, dims, values, labels) {
    svg.replaceChildren();
    var left = 44, bottom = 20;
    var max = niceMax(Math.max.apply(null, values.concat([0])));
    axes(svg, dims, max, left, bottom, labels(dims, left));
    var plotW = dims.w - 4 - left, plotH = dims.h - bottom - 8;
    var slot = plotW / Math.max(values.length, 1);
    values.forEach(function (v, i) {
      if (v <= 0) return;
      var h = plotH * v / max;
      svg.appendChild(el('svg:rect', { x: (left + slot * i + slot * 0.15).toFixed(1), y: (dims.h - bottom - h).toFixed(1),
        width: Math.max(slot * 0.7, 1).toFixed(1), height: h.toFixed(1), fill: '#4a6fa5', 'data-value': v }));
    });
  }

  function drawLegend(series) {
    var legend = byId('legend');
    legend.replaceChildren();
    series.forEach(function (s) {
      var item = el('li', { 'data-flag': s.flag, 'data-variation': s.variation, 'data-total': s.total });
      var swatch = el('svg:svg', { class: 'swatch', viewBox: '0 0 10 10' });
      swatch.appendChild(el('svg:rect', { width: 10, height: 10, rx: 2, fill: color(s) }));
      item.appendChild(swatch);
      item.appendChild(el('span', {}, s.flag + (s.variation === '' ? '' : ' · ' + s.variation) + '  ' + number(s.total)));
      legend.appendChild(item);
    });
  }

  // Table rows are kept and only their changed text and attributes written, so a push at
  // thousands of events per second costs no new nodes (and little style and layout work).
  function setText(node, text) { if (node.textContent !== text) node.textContent = text; }
  function setAttr(node, name, value) { value = String(value); if (node.getAttribute(name) !== value) node.setAttribute(name, value); }
  function syncRows(body, count, create) {
    while (body.rows.length < count) body.appendChild(create());
    while (body.rows.length > count) body.deleteRow(-1);
    return body.rows;
  }

  function totalsRow() {
    var row = el('tr');
    row.appendChild(el('td', { class: 'mono' }));
    row.appendChild(el('td', { class: 'mono' }));
    row.appendChild(el('td', { class: 'num count' }));
    var share = el('td', { class: 'share' });
    var bar = el('svg:svg', { viewBox: '0 0 100 10', preserveAspectRatio: 'none' });
    bar.appendChild(el('svg:rect', { width: 100, height: 10, fill: '#eef1f5' }));
    bar.appendChild(el('svg:rect', { width: 0, height: 10 }));
    share.appendChild(bar);
    row.appendChild(share);
    return row;
  }
  function drawTotals(series) {
    var perFlag = new Map();
    series.forEach(function (s) { perFlag.set(s.flag, (perFlag.get(s.flag) || 0) + s.total); });
    var rows = syncRows(byId('totals').tBodies[0], series.length, totalsRow);
    series.forEach(function (s, i) {
      var row = rows[i];
      setAttr(row, 'data-flag', s.flag);
      setAttr(row, 'data-variation', s.variation);
      setText(row.cells[0], s.flag);
      setText(row.cells[1], s.variation);
      setText(row.cells[2], number(s.total));
      var bar = row.cells[3].firstChild.lastChild;
      setAttr(bar, 'width', (100 * s.total / (perFlag.get(s.flag) || 1)).toFixed(2));
      setAttr(bar, 'fill', color(s));
    });
    byId('totals-empty').classList.toggle('hidden', series.length > 0);
  }

  function latestRow() {
    var row = el('tr');
    for (var i = 0; i < 6; i++) row.appendChild(el('td'));
    return row;
  }
  function drawLatest(latest) {
    var shown = latest.filter(function (e) { return matches(e.flag); });
    var rows = syncRows(byId('latest').tBodies[0], shown.length, latestRow);
    shown.forEach(function (e, i) {
      var row = rows[i];
      setAttr(row, 'data-flag', e.flag);
      setAttr(row, 'data-variation', e.variation);
      var at = new Date(e.at);
      [at.toLocaleTimeString('en-GB') + '.' + String(at.getMilliseconds()).padStart(3, '0'), e.flag, e.variation, e.userKey, e.value, e.meta]
        .forEach(function (text, j) {
          var cell = row.cells[j];
          if (cell.textContent === text) return;
          cell.textContent = text;
          cell.title = text;
        });
    });
  }

  function render() {
    pending = false;
    if (snapshot === null) return;
    // Every size is read before anything is written: one layout per frame, not one per chart.
    var chart = byId('chart'), batchChart = byId('batch-chart'), sizeChart = byId('size-chart');
    var dims = [size(chart), size(batchChart), size(sizeChart)];
    var t = snapshot.totals;
    var last = snapshot.eventsPerSecond.length - 2; // the last whole second
    setText(byId('batches'), number(t.batches));
    setText(byId('events'), number(t.events));
    setText(byId('events-rate'), number(snapshot.eventsPerSecond[last]));
    setText(byId('batches-rate'), number(snapshot.batchesPerSecond[last]));
    setText(byId('mean-size'), t.batches === 0 ? '–' : number(t.events / t.batches));
    setText(byId('failures'), number(t.signatureFailures));
    byId('failures-tile').classList.toggle('bad', t.signatureFailures > 0);
    setText(byId('rejected'), number(t.rejected));
    setText(byId('duplicates'), number(t.duplicates));
    var series = snapshot.series.filter(function (s) { return matches(s.flag); });
    drawLines(chart, dims[0], series);
    drawLegend(series);
    drawTotals(series);
    drawBars(batchChart, dims[1], snapshot.batchesPerSecond, function (dims, left) { return timeLabels(dims, left, snapshot.windowSeconds); });
    drawBars(sizeChart, dims[2], snapshot.recentBatchSizes, function (dims, left) {
      return [{ x: left, anchor: 'start', text: 'older' }, { x: dims.w - 4, anchor: 'end', text: 'newest' }];
    });
    drawLatest(snapshot.latest);
    document.body.setAttribute('data-version', String((Number(document.body.getAttribute('data-version')) || 0) + 1));
  }
  function schedule() {
    if (pending) return;
    pending = true;
    requestAnimationFrame(render);
  }

  var status = byId('status');
  var source = new EventSource('/events');
  source.onopen = function () { status.textContent = 'live'; status.className = 'status live'; };
  source.onerror = function () { status.textContent = 'reconnecting…'; status.className = 'status down'; };
  source.onmessage = function (event) { snapshot = JSON.parse(event.data); schedule(); };
  filterInput.addEventListener('input', schedule);
  window.addEventListener('resize', schedule);
})();
`;
