import { describe, expect, it } from 'vitest';
import { minMaxDownsample } from './downsample.ts';
import { escapeHtml, escapeMarkdownCell, escapeXml, jsonForScript } from './escape.ts';

describe('escaping', () => {
  it('neutralises markup in HTML text and attributes', () => {
    expect(escapeHtml(`<a href="x" onclick='y'>&</a>`)).toBe(
      '&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;&lt;/a&gt;',
    );
  });

  it('embeds JSON in a script element without ending it early, and reads back unchanged', () => {
    const value = { name: '</script><script>alert(1)</script><!--', sep: '\u2028\u2029' };
    const text = jsonForScript(value);
    expect(text).not.toMatch(/<\/?script|<!--/i);
    expect(text).not.toMatch(/[\u2028\u2029]/);
    expect(JSON.parse(text)).toEqual(value);
  });

  it('drops characters XML 1.0 forbids and escapes the rest', () => {
    expect(escapeXml('a\u0001b<c>&"\'')).toBe('ab&lt;c&gt;&amp;&quot;&apos;');
  });

  it('keeps a Markdown table cell in its cell', () => {
    expect(escapeMarkdownCell('a|b\nc <b>')).toBe('a\\|b c &lt;b&gt;');
  });
});

describe('min/max downsampling', () => {
  it('keeps at most the budget and every extreme', () => {
    const points = Array.from({ length: 3_600 }, (_, i): [number, number] => [
      i * 1000,
      i === 1234 ? 99 : i === 2345 ? -5 : 10,
    ]);
    const out = minMaxDownsample(points, 500);
    expect(out.length).toBeLessThanOrEqual(500);
    expect(out.some(([t, v]) => t === 1_234_000 && v === 99)).toBe(true);
    expect(out.some(([t, v]) => t === 2_345_000 && v === -5)).toBe(true);
    expect(out.every(([t], i) => i === 0 || t >= out[i - 1]![0])).toBe(true);
  });

  it('leaves a short series alone', () => {
    expect(
      minMaxDownsample(
        [
          [0, 1],
          [1, 2],
        ],
        500,
      ),
    ).toEqual([
      [0, 1],
      [1, 2],
    ]);
  });
});
