import { format } from 'node:util';

// No secret may reach a log line. Two ways one could:
// - a message quoting a Redis URL (a bad REDIS_URL at start-up): redactUrl() takes the
//   credentials out of every URL we print;
// - an error object logged whole: ioredis attaches the failed command to its errors, and for a
//   refused AUTH that is `{ name: 'auth', args: [<the token>] }`. Any library can do the same, so
//   once a secret is known (hideInLogs), every console line is scrubbed of it before it is written.

const hidden = new Set<string>();
let consolePatched = false;

/** A URL with whatever sits between `scheme://` and the last `@` replaced by `***`. */
export function redactUrl(url: string): string {
  const at = url.lastIndexOf('@');
  if (at < 0) return url;
  const scheme = url.indexOf('://');
  const start = scheme >= 0 && scheme < at ? scheme + 3 : 0;
  return `${url.slice(0, start)}***${url.slice(at)}`;
}

/** The text with every hidden secret replaced by `***`. */
export function redactSecrets(text: string): string {
  let out = text;
  for (const secret of hidden) out = out.split(secret).join('***');
  return out;
}

const LEVELS = ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const;

/** From now on no console line of this process shows `secret` (nor its URL-encoded form). */
export function hideInLogs(secret: string): void {
  // Very short strings would blank out ordinary words; no real token is that short.
  if (secret.length < 6) return;
  hidden.add(secret);
  hidden.add(encodeURIComponent(secret));
  if (consolePatched) return;
  consolePatched = true;
  for (const level of LEVELS) {
    const write = console[level].bind(console);
    // One pre-formatted string: the same text console would have printed, scrubbed.
    console[level] = (...args: unknown[]) => write(redactSecrets(format(...args)));
  }
}
