/**
 * Optional API key. Clients send `Authorization: Bearer <key>` or `X-API-Key: <key>`. Keys are
 * compared as SHA-256 digests with crypto.timingSafeEqual, so the time taken says nothing about
 * how much of a guess was right, nor about the key's length.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

function digest(s: string): Buffer {
  return createHash('sha256').update(s, 'utf8').digest();
}

/** The key a request presents, if any. */
export function presentedKey(headers: IncomingHttpHeaders): string | undefined {
  const auth = headers.authorization;
  if (typeof auth === 'string') {
    const m = /^\s*Bearer\s+(.+?)\s*$/i.exec(auth);
    if (m) return m[1];
  }
  const x = headers['x-api-key'];
  return typeof x === 'string' ? x.trim() : undefined;
}

/** A checker for `key`: true when the request presents exactly `key`. */
export function apiKeyChecker(key: string): (headers: IncomingHttpHeaders) => boolean {
  const want = digest(key);
  return (headers) => {
    const got = presentedKey(headers);
    // hash even when nothing was presented, so both paths take the same time
    const ok = timingSafeEqual(digest(got ?? ''), want);
    return ok && got !== undefined;
  };
}
