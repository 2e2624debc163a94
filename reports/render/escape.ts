/**
 * Escaping for every output format. Every string that comes from a RunResult (scenario names, variant
 * labels, error kinds, threshold expressions) is data a stranger may have written, so renderers pass
 * it through one of these before it touches markup.
 */

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/**
 * Escapes text for HTML element content and quoted attribute values.
 *
 * @example
 * escapeHtml('<img src=x onerror=alert(1)>') // '&lt;img src=x onerror=alert(1)&gt;'
 */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);
}

// XML 1.0 forbids most C0 controls even as character references, so they are dropped, not escaped.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching the control characters is the point
const XML_INVALID = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g;

/**
 * Escapes text for XML content and attributes, dropping characters XML 1.0 cannot carry.
 *
 * @example
 * escapeXml('p(95)<2000 & "ok"') // 'p(95)&lt;2000 &amp; &quot;ok&quot;'
 */
export function escapeXml(text: string): string {
  return text
    .replace(XML_INVALID, '')
    .replace(/[&<>"']/g, (c) => (c === "'" ? '&apos;' : HTML_ESCAPES[c]!))
    .replace(/[\u2028\u2029]/g, (c) => `&#x${c.charCodeAt(0).toString(16)};`);
}

/**
 * JSON safe to embed in `<script type="application/json">`: no `<` (so no `</script>` or `<!--`), and no
 * U+2028/2029. `JSON.parse(element.textContent)` reads it back unchanged.
 *
 * @example
 * jsonForScript({ name: '</script><script>alert(1)</script>' }) // '{"name":"\\u003c/script>..."}'
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/**
 * Text for one Markdown table cell: pipes and newlines would break the row, and GitHub renders inline
 * HTML, so angle brackets are escaped too.
 *
 * @example
 * escapeMarkdownCell('a|b\nc') // 'a\\|b c'
 */
export function escapeMarkdownCell(text: string): string {
  return escapeMarkdownText(text).replace(/\|/g, '\\|');
}

/** Text for Markdown outside a table: no raw HTML, no accidental emphasis or links from data. */
export function escapeMarkdownText(text: string): string {
  return text
    .replace(/\r?\n|\r/g, ' ')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/([\\`*_[\]])/g, '\\$1');
}
