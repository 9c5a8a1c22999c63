/**
 * A folder of static files as a `fetch`-style handler, for `crmkit serve --static` (a built portal beside the API).
 *
 * Only files inside the folder are served: each path segment is decoded on its own and refused when it could
 * climb out or hide something (`..`, `.`, a leading dot, a slash or backslash once decoded, a NUL), and the file
 * found is resolved through its symbolic links and refused unless it is still inside the folder. A directory is
 * served as its `index.html` when the path ends with `/`; there are no listings. Everything else is a 404.
 *
 * @module
 */
import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import { extname, join, sep } from 'node:path';
import { Readable } from 'node:stream';
import { CliError } from './cli-error.js';

/** Content types by extension; anything else is `application/octet-stream`. */
export const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.htm': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.avif': 'image/avif',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.wasm': 'application/wasm',
};

/** Serves the files of `folder`, which must exist (a `CliError` otherwise). */
export async function staticFiles(folder: string): Promise<(request: Request) => Promise<Response>> {
  let root: string;
  try {
    root = await realpath(folder);
    if (!(await stat(root)).isDirectory()) throw new Error('not a directory');
  } catch {
    throw new CliError(`--static ${folder} is not a folder.`);
  }
  return async (request) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      return text(405, 'Method not allowed', { allow: 'GET, HEAD' });
    }
    const file = await find(root, new URL(request.url).pathname);
    if (file === undefined) return text(404, 'Not found');
    const headers = {
      'content-type': CONTENT_TYPES[extname(file.path).toLowerCase()] ?? 'application/octet-stream',
      'content-length': String(file.size),
      'last-modified': file.modified.toUTCString(),
      'cache-control': 'no-cache',
      'x-content-type-options': 'nosniff',
    };
    if (request.method === 'HEAD') return new Response(null, { status: 200, headers });
    const body = Readable.toWeb(createReadStream(file.path)) as unknown as ReadableStream<Uint8Array>;
    return new Response(body, { status: 200, headers });
  };
}

/** The regular file `pathname` names inside `root`, or `undefined`. */
async function find(
  root: string,
  pathname: string,
): Promise<{ path: string; size: number; modified: Date } | undefined> {
  const segments = pathname.split('/').slice(1);
  const directory = segments.at(-1) === '';
  if (directory) segments.pop();
  const names: string[] = [];
  for (const segment of segments) {
    let name: string;
    try {
      name = decodeURIComponent(segment);
    } catch {
      return undefined;
    }
    if (name === '' || name.startsWith('.') || /[/\\\0]/.test(name)) return undefined;
    names.push(name);
  }
  if (directory) names.push('index.html');
  try {
    const path = await realpath(join(root, ...names));
    if (!path.startsWith(root.endsWith(sep) ? root : root + sep)) return undefined;
    const stats = await stat(path);
    return stats.isFile() ? { path, size: stats.size, modified: stats.mtime } : undefined;
  } catch {
    return undefined;
  }
}

function text(status: number, message: string, headers: Record<string, string> = {}): Response {
  return new Response(`${message}\n`, {
    status,
    headers: { 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff', ...headers },
  });
}
