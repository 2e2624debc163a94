/** An element of a parsed XML document (test support: enough XML to check JUnit output, no DTDs or CDATA). */
export interface XmlElement {
  name: string;
  attributes: Record<string, string>;
  children: XmlElement[];
  text: string;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decode(raw: string, where: string): string {
  if (raw.includes('<')) throw new SyntaxError(`raw '<' in ${where}`);
  return raw.replace(/&([^;]*);?/g, (match, name: string) => {
    if (!match.endsWith(';')) throw new SyntaxError(`unterminated entity in ${where}: ${match}`);
    if (name in ENTITIES) return ENTITIES[name]!;
    const code = /^#x([0-9a-f]+)$/i.exec(name)?.[1] ?? /^#(\d+)$/.exec(name)?.[1];
    if (code === undefined) throw new SyntaxError(`unknown entity &${name}; in ${where}`);
    return String.fromCodePoint(Number.parseInt(code, name.startsWith('#x') ? 16 : 10));
  });
}

/**
 * A strict, tiny XML parser: throws on mismatched tags, bad attributes, unknown entities, a raw `<` or
 * `&`, characters XML 1.0 forbids, or anything after the root element.
 *
 * @example
 * parseXml('<a x="1"><b/></a>').children[0]?.name // 'b'
 */
export function parseXml(xml: string): XmlElement {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: XML 1.0 forbids these characters
  if (/[\u0000-\u0008\u000B\u000C\u000E-\u001F]/.test(xml)) throw new SyntaxError('control character in XML');
  let rest = xml.replace(/^<\?xml[^?]*\?>\s*/, '');
  const root: XmlElement = { name: '#document', attributes: {}, children: [], text: '' };
  const stack: XmlElement[] = [root];
  while (rest.length > 0) {
    const lt = rest.indexOf('<');
    const text = lt === -1 ? rest : rest.slice(0, lt);
    const current = stack[stack.length - 1]!;
    if (text.trim() && current === root) throw new SyntaxError('text outside the root element');
    current.text += decode(text, `text of <${current.name}>`);
    if (lt === -1) break;
    rest = rest.slice(lt);
    const close = /^<\/([A-Za-z_][\w.-]*)\s*>/.exec(rest);
    if (close) {
      const open = stack.pop();
      if (!open || open.name !== close[1]) throw new SyntaxError(`</${close[1]}> closes <${open?.name}>`);
      rest = rest.slice(close[0].length);
      continue;
    }
    const tag = /^<([A-Za-z_][\w.-]*)((?:\s+[A-Za-z_][\w.-]*="[^"]*")*)\s*(\/?)>/.exec(rest);
    if (!tag) throw new SyntaxError(`malformed tag near: ${rest.slice(0, 40)}`);
    const element: XmlElement = { name: tag[1]!, attributes: {}, children: [], text: '' };
    for (const [, name, value] of tag[2]!.matchAll(/([A-Za-z_][\w.-]*)="([^"]*)"/g)) {
      if (name! in element.attributes) throw new SyntaxError(`duplicate attribute ${name}`);
      element.attributes[name!] = decode(value!, `attribute ${name}`);
    }
    if (current === root && root.children.length > 0) throw new SyntaxError('two root elements');
    current.children.push(element);
    if (tag[3] !== '/') stack.push(element);
    rest = rest.slice(tag[0].length);
  }
  if (stack.length !== 1) throw new SyntaxError(`unclosed <${stack[stack.length - 1]!.name}>`);
  const [documentElement] = root.children;
  if (!documentElement) throw new SyntaxError('no root element');
  return documentElement;
}

/** Every descendant element named `name`, depth first. */
export function elementsNamed(element: XmlElement, name: string): XmlElement[] {
  return element.children.flatMap((child) => [...(child.name === name ? [child] : []), ...elementsNamed(child, name)]);
}
