/**
 * Origins: the lists of allowed ones in options (each exactly `scheme://host[:port]`, never a wildcard), and the
 * origin a request says it comes from (its `Origin` header, or the origin of its `Referer` when a browser sent no
 * `Origin`).
 *
 * @module
 */
import * as z from 'zod/mini';

/** One origin as browsers send it: `https://shop.example.com`, `http://localhost:8080`; no path, no wildcard. */
export const originSchema = z.string().check(
  z.maxLength(2048),
  z.refine((value) => isOrigin(value), 'Expected an origin such as https://www.example.com (no path, no wildcard)'),
);

/** A non-empty list of origins. */
export const originListSchema = z.array(originSchema).check(z.minLength(1), z.maxLength(1000));

/** Whether `value` is an origin, exactly as `new URL(value).origin` writes it back. */
function isOrigin(value: string): boolean {
  if (!/^https?:\/\//.test(value)) return false;
  try {
    return new URL(value).origin === value;
  } catch {
    return false;
  }
}

/**
 * The origin `request` comes from: its `Origin` header; without one, the origin of its `Referer`. `undefined` when
 * neither says (or `Origin: null`, which a sandboxed or privacy-protected page sends).
 */
export function requestOrigin(request: Request): string | undefined {
  const origin = request.headers.get('origin');
  if (origin !== null) return origin === 'null' || !isOrigin(origin) ? undefined : origin;
  const referer = request.headers.get('referer');
  if (referer === null) return undefined;
  try {
    const url = new URL(referer);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.origin : undefined;
  } catch {
    return undefined;
  }
}
