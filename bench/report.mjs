// Turns per-run samples into the table rows: median, min–max, target, pass/fail.

export function median(values) {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

const FORMATS = {
  'ev/s': (v) => (v >= 1e6 ? `${(v / 1e6).toFixed(2)} M` : `${(v / 1e3).toFixed(1)} k`),
  'µs/ev': (v) => v.toFixed(2),
  ns: (v) => v.toFixed(0),
  B: (v) => v.toFixed(0),
  MB: (v) => v.toFixed(0),
  ms: (v) => v.toFixed(0),
  '×': (v) => (v < 0.1 ? v.toFixed(3) : v.toFixed(2)),
  'yes/no': (v) => (v >= 1 ? 'yes' : 'no'),
};

/**
 * One row. `samples` holds one number per run (runs that failed are left out);
 * `target` is `{ op: '>=' | '<=', value }` when the row is judged.
 */
export function makeRow({ id, group, label, unit, samples, target, note }) {
  const values = samples.filter((v) => typeof v === 'number' && Number.isFinite(v));
  const row = { id, group, label, unit, samples: values, median: null, min: null, max: null, target: target ?? null, pass: null };
  if (note) row.note = note;
  if (values.length === 0) return row;
  row.median = median(values);
  row.min = Math.min(...values);
  row.max = Math.max(...values);
  if (target) row.pass = target.op === '>=' ? row.median >= target.value : row.median <= target.value;
  return row;
}

function fmt(unit, v) {
  return v === null ? 'n/a' : FORMATS[unit](v);
}

/** The table as text, one group of rows after another. */
export function renderTable(rows) {
  const header = ['Metric', 'Median', 'Min–max', 'Unit', 'Target', 'Result'];
  const lines = [];
  let group;
  for (const r of rows) {
    if (r.group !== group) {
      group = r.group;
      lines.push({ group });
    }
    const range = r.min === null ? 'n/a' : r.unit === 'yes/no' ? '' : `${fmt(r.unit, r.min)} – ${fmt(r.unit, r.max)}`;
    const target = !r.target ? '' : r.unit === 'yes/no' ? 'yes' : `${r.target.op === '>=' ? '≥' : '≤'} ${fmt(r.unit, r.target.value)}`;
    const result = r.pass === null ? (r.target ? 'n/a' : '') : r.pass ? 'PASS' : 'FAIL';
    lines.push([r.label, fmt(r.unit, r.median), range, r.unit, target, result]);
  }
  const cells = lines.filter(Array.isArray);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (c) => c.map((x, i) => (i === 0 ? x.padEnd(widths[i]) : x.padStart(widths[i]))).join('  ');
  const rule = '-'.repeat(line(header).length);
  const out = [line(header), rule];
  for (const l of lines) out.push(Array.isArray(l) ? line(l) : `[${l.group}]`);
  return out.join('\n');
}
