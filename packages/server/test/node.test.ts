import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { toNodeListener } from '@crmkit/server';

test('toNodeListener keeps the request target a path: //host/x names no other host', async () => {
  const server = createServer(
    toNodeListener(async (request) => {
      const url = new URL(request.url);
      return new Response(`${url.host} ${url.pathname}`);
    }),
  );
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  try {
    for (const path of ['//evil.example/health', '/customers?q=1']) {
      const body = await new Promise<string>((resolve, reject) => {
        const outgoing = httpRequest({ host: '127.0.0.1', port, path }, (response) => {
          let text = '';
          response.setEncoding('utf8');
          response.on('data', (chunk: string) => (text += chunk));
          response.on('end', () => resolve(text));
        });
        outgoing.on('error', reject);
        outgoing.end();
      });
      const [host, pathname] = body.split(' ');
      assert.equal(host, `127.0.0.1:${port}`, path);
      assert.equal(pathname, path.split('?')[0], path);
    }
  } finally {
    server.close();
  }
});
