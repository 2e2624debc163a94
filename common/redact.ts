/**
 * Secrets never reach a log, a report or an error message. `redactSecrets` masks the shapes botcap
 * handles: Telegram bot tokens (also inside `/bot<token>/` paths), Anthropic keys, passwords in
 * connection URLs, and any extra literal the caller knows is secret.
 *
 * @example
 * redactSecrets('postgres://app:hunter2@db/x') // 'postgres://app:***@db/x'
 */
export function redactSecrets(text: string, extraSecrets: readonly string[] = []): string {
  let out = text
    .replace(/\b\d{5,}:[A-Za-z0-9_-]{20,}\b/g, '***bot-token***')
    .replace(/\bsk-ant-[A-Za-z0-9_-]+/g, '***api-key***')
    .replace(/(\/\/[^:/?#@\s]+:)[^@/\s]+@/g, '$1***@');
  for (const secret of extraSecrets) {
    if (secret.length >= 4) out = out.split(secret).join('***');
  }
  return out;
}

/** A URL safe to print: the password (if any) replaced by `***`. Returns the input unchanged if it is not a URL. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return redactSecrets(url);
  }
}
