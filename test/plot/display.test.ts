/**
 * show / showTable: outside a tslab kernel they return text (tslab's display throws "Not ready",
 * which must not escape); in a kernel show sends one display bundle (PNG + text, SVG on request)
 * through tslab's message writer, and showTable an HTML table (arrays and arquero tables alike).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { aq } from '../../lib/util/arquero.cjs';
import { type Display, figureBundle, formatCell, Plot, plotFigure, show, showTable, tableHtml, tableText, toSvg, useDisplay } from '../../lib/plot/index.js';

const fig = () => plotFigure({ width: 200, height: 120, marks: [Plot.frame()] }, { title: 'x' });

function recorder(): Display & { sent: [string, string][] } {
  const sent: [string, string][] = [];
  return { sent, svg: (s) => void sent.push(['svg', s]), html: (s) => void sent.push(['html', s]) };
}

afterEach(() => {
  useDisplay(null);
  delete (globalThis as { __tslab__?: unknown }).__tslab__;
});

describe('show', () => {
  it('returns the standalone SVG outside a kernel (tslab says "Not ready")', () => {
    const f = fig();
    expect(show(f)).toBe(toSvg(f));
    expect(show(f)).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  });

  it("sends one PNG + text bundle through the kernel's own tslab writer (globalThis.__tslab__.require) and returns nothing", () => {
    const rec = recorder();
    const writes: { data: Record<string, string>; metadata: Record<string, unknown> }[] = [];
    const jupyter: { lastWriteDisplayData: ((c: { data: Record<string, string>; metadata: Record<string, unknown> }) => void) | null } = { lastWriteDisplayData: null };
    (globalThis as { __tslab__?: unknown }).__tslab__ = {
      require: (id: string) => (id === 'tslab' ? { display: rec } : id === 'tslab/dist/jupyter' ? jupyter : undefined),
    };
    const f = fig();
    // Outside a cell tslab's writer is null: "Not ready", so the SVG comes back as text.
    expect(show(f)).toBe(toSvg(f));
    jupyter.lastWriteDisplayData = (c) => void writes.push(c);
    expect(show(f)).toBeUndefined();
    expect(rec.sent).toEqual([]);
    expect(writes).toHaveLength(1);
    const { data, metadata } = writes[0];
    expect(Object.keys(data).sort()).toEqual(['image/png', 'text/plain']);
    const png = Buffer.from(data['image/png'], 'base64');
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    expect(png.readUInt32BE(16)).toBe(400); // IHDR width: twice the figure's 200 px
    expect(metadata).toEqual({ 'image/png': { width: 200, height: f.height } });
    expect(data['text/plain']).toBe(`<Figure 200×${f.height}: x>`);
    show(f, { svg: true });
    expect(writes[1].data['image/svg+xml']).toBe(toSvg(f));
  });

  it('falls back to display.png, then display.svg, when no bundle writer is there', () => {
    const pngs: Uint8Array[] = [];
    useDisplay({ ...recorder(), png: (b) => void pngs.push(b) });
    expect(show(fig())).toBeUndefined();
    expect(pngs).toHaveLength(1);
    expect(Buffer.from(pngs[0]).equals(Buffer.from(figureBundle(fig()).png))).toBe(true);
    const rec = recorder();
    useDisplay(rec);
    expect(show(fig())).toBeUndefined();
    expect(rec.sent).toEqual([['svg', toSvg(fig())]]);
  });

  it('uses a display handed over with useDisplay, and falls back when it is not ready', () => {
    const rec = recorder();
    useDisplay(rec);
    expect(show(fig())).toBeUndefined();
    expect(rec.sent).toHaveLength(1);
    useDisplay({
      svg: () => {
        throw new Error('Not ready');
      },
      html: () => {
        throw new Error('Not ready');
      },
    });
    expect(show(fig())).toMatch(/^<svg/);
  });

  it('does not swallow other display errors', () => {
    useDisplay({
      svg: () => {
        throw new Error('socket closed');
      },
      html: () => {},
    });
    expect(() => show(fig())).toThrow('socket closed');
  });
});

describe('tables', () => {
  const rows = [
    { task: 'precise_retrieval', n: 128, mean: 0.123456, note: null },
    { task: 'summarization <ROUGE-L>', n: 7, mean: -1.5, note: 'a & b' },
  ];

  it('showTable returns a plain-text table outside a kernel', () => {
    expect(showTable(rows)).toBe(
      [
        'task                       n    mean  note',
        '-----------------------  ---  ------  -----',
        'precise_retrieval        128  0.1235',
        'summarization <ROUGE-L>    7    -1.5  a & b',
      ].join('\n'),
    );
  });

  it('showTable takes an arquero table: its columns in order, the head only, and the count of the rest', () => {
    const t = aq.from(Array.from({ length: 60 }, (_, i) => ({ k: i % 3, v: i / 2 })));
    const g = t.groupby('k').rollup({ n: aq.op.count(), mean: aq.op.mean('v') }).orderby('k');
    expect(showTable(g)).toBe(['k   n   mean', '-  --  -----', '0  20  14.25', '1  20  14.75', '2  20  15.25'].join('\n'));
    const text = showTable(t, { maxRows: 2 })!;
    expect(text.split('\n')).toEqual(['k    v', '-  ---', '0    0', '1  0.5', '… 58 more rows']);
  });

  it('showTable sends an escaped HTML table to the display', () => {
    const rec = recorder();
    useDisplay(rec);
    expect(showTable(rows)).toBeUndefined();
    const [[kind, html]] = rec.sent;
    expect(kind).toBe('html');
    expect(html).toBe(tableHtml(rows));
    expect(html).toContain('<td style="text-align:left">summarization &lt;ROUGE-L&gt;</td>');
    expect(html).toContain('<td style="text-align:right">0.1235</td>');
    expect(html).toContain('a &amp; b');
  });

  it('limits rows and picks columns', () => {
    const many = Array.from({ length: 60 }, (_, i) => ({ i, sq: i * i }));
    const text = tableText(many, { columns: ['sq'], maxRows: 3 });
    expect(text).toBe(['sq', '--', ' 0', ' 1', ' 4', '… 57 more rows'].join('\n'));
    expect(tableHtml(many, { maxRows: 2 })).toContain('… 58 more rows');
  });

  it('formats cells', () => {
    expect(formatCell(3)).toBe('3');
    expect(formatCell(2 / 3)).toBe('0.6667');
    expect(formatCell(2 / 3, 2)).toBe('0.67');
    expect(formatCell(1e-7 / 3)).toBe('3.333e-8');
    expect(formatCell(NaN)).toBe('NaN');
    expect(formatCell(undefined)).toBe('');
    expect(formatCell({ a: [1] })).toBe('{"a":[1]}');
    expect(formatCell(true)).toBe('true');
  });
});
