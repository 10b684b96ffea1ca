/** Small SVG charts for the bench: a log-log line chart (bench/scaling.svg) and ratio bars against their goals (bench/ratios.svg). */

export interface Series {
  readonly name: string;
  readonly points: ReadonlyArray<readonly [number, number]>;
  readonly color: string;
  readonly dashed?: boolean;
}

const W = 720;
const H = 440;
const M = { left: 70, right: 20, top: 20, bottom: 110 };

export function scalingSvg(series: readonly Series[], xLabel: string, yLabel: string): string {
  const xs = series.flatMap((s) => s.points.map((p) => p[0]));
  const ys = series.flatMap((s) => s.points.map((p) => p[1])).filter((y) => y > 0);
  const [x0, x1] = decades(Math.min(...xs), Math.max(...xs));
  const [y0, y1] = decades(Math.min(...ys), Math.max(...ys));
  const px = (x: number) => M.left + ((Math.log10(x) - x0) / (x1 - x0)) * (W - M.left - M.right);
  const py = (y: number) => H - M.bottom - ((Math.log10(y) - y0) / (y1 - y0)) * (H - M.top - M.bottom);
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
  ];
  for (let d = x0; d <= x1; d++) {
    const x = px(10 ** d).toFixed(1);
    out.push(
      `<line x1="${x}" y1="${M.top}" x2="${x}" y2="${H - M.bottom}" stroke="#ddd"/>`,
      `<text x="${x}" y="${H - M.bottom + 16}" text-anchor="middle">${label(10 ** d)}</text>`,
    );
  }
  for (let d = y0; d <= y1; d++) {
    const y = py(10 ** d).toFixed(1);
    out.push(
      `<line x1="${M.left}" y1="${y}" x2="${W - M.right}" y2="${y}" stroke="#ddd"/>`,
      `<text x="${M.left - 6}" y="${y}" text-anchor="end" dominant-baseline="middle">${label(10 ** d)}</text>`,
    );
  }
  out.push(
    `<rect x="${M.left}" y="${M.top}" width="${W - M.left - M.right}" height="${H - M.top - M.bottom}" fill="none" stroke="#333"/>`,
    `<text x="${(M.left + W - M.right) / 2}" y="${H - M.bottom + 36}" text-anchor="middle">${xLabel} (log)</text>`,
    `<text transform="translate(16 ${(M.top + H - M.bottom) / 2}) rotate(-90)" text-anchor="middle">${yLabel} (log)</text>`,
  );
  series.forEach((s, i) => {
    const pts = s.points.filter((p) => p[1] > 0);
    const dash = s.dashed ? ' stroke-dasharray="6 4"' : '';
    out.push(
      `<polyline fill="none" stroke="${s.color}" stroke-width="2"${dash} points="${pts.map(([x, y]) => `${px(x).toFixed(1)},${py(y).toFixed(1)}`).join(' ')}"/>`,
    );
    for (const [x, y] of pts)
      out.push(`<circle cx="${px(x).toFixed(1)}" cy="${py(y).toFixed(1)}" r="3" fill="${s.dashed ? 'white' : s.color}" stroke="${s.color}"/>`);
    const ly = H - M.bottom + 56 + 16 * Math.floor(i / 2);
    const lx = M.left + (i % 2) * 320;
    out.push(
      `<line x1="${lx}" y1="${ly}" x2="${lx + 24}" y2="${ly}" stroke="${s.color}" stroke-width="2"${dash}/>`,
      `<text x="${lx + 30}" y="${ly}" dominant-baseline="middle">${escape(s.name)}</text>`,
    );
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

function decades(lo: number, hi: number): [number, number] {
  return [Math.floor(Math.log10(lo)), Math.ceil(Math.log10(hi))];
}

function label(v: number): string {
  return v >= 1 ? v.toLocaleString('en-US') : String(v);
}

function escape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
}

/** One measured ratio a / b, with its goal (at most `goal` x) when it has one. */
export interface Ratio {
  readonly name: string;
  /** Where it was measured, e.g. "1,000 apps". */
  readonly at: string;
  readonly a: number;
  readonly b: number;
  readonly goal?: number;
  readonly note?: string;
}

/** One bar per ratio on a log axis, a black tick at its goal; green when met, red when not, grey without a goal. */
export function ratioSvg(ratios: readonly Ratio[]): string {
  const row = 26;
  const left = 540;
  const right = 90;
  const width = 1080;
  const top = 30;
  const height = top + row * ratios.length + 40;
  const values = ratios.flatMap((r) => [r.a / r.b, ...(r.goal === undefined ? [] : [r.goal])]).filter((v) => v > 0 && Number.isFinite(v));
  const [d0, d1] = decades(Math.min(0.5, ...values), Math.max(2, ...values));
  const px = (v: number) => left + ((Math.log10(v) - d0) / (d1 - d0)) * (width - left - right);
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
  ];
  for (let d = d0; d <= d1; d++) {
    const x = px(10 ** d).toFixed(1);
    out.push(
      `<line x1="${x}" y1="${top - 6}" x2="${x}" y2="${height - 34}" stroke="#ddd"/>`,
      `<text x="${x}" y="${height - 20}" text-anchor="middle">${label(10 ** d)}x</text>`,
    );
  }
  const one = px(1).toFixed(1);
  out.push(`<line x1="${one}" y1="${top - 6}" x2="${one}" y2="${height - 34}" stroke="#999"/>`);
  out.push(`<text x="${left}" y="${height - 6}">ratio (log); black tick: the goal (at most)</text>`);
  ratios.forEach((r, i) => {
    const v = r.a / r.b;
    const y = top + i * row;
    const color = r.goal === undefined ? '#7f7f7f' : v <= r.goal ? '#2ca02c' : '#d62728';
    const x0 = px(10 ** d0);
    out.push(`<text x="${left - 8}" y="${y + 9}" text-anchor="end" dominant-baseline="middle">${escape(r.name)}</text>`);
    if (Number.isFinite(v) && v > 0) {
      out.push(`<rect x="${x0.toFixed(1)}" y="${y}" width="${Math.max(1, px(v) - x0).toFixed(1)}" height="18" fill="${color}"/>`);
      out.push(
        `<text x="${(Math.max(px(v), r.goal === undefined ? 0 : px(r.goal)) + 6).toFixed(1)}" y="${y + 9}" dominant-baseline="middle">${v.toFixed(2)}x</text>`,
      );
    }
    if (r.goal !== undefined) {
      const g = px(r.goal).toFixed(1);
      out.push(`<line x1="${g}" y1="${y - 3}" x2="${g}" y2="${y + 21}" stroke="black" stroke-width="2"/>`);
    }
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
