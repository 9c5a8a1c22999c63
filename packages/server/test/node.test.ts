import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { createMemoryStorage } from '@crmkit/core';
import { createCrmHandler, toNodeListener } from '@crmkit/server';

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

test("toNodeListener sends the handler's answers as text with their length, and a host's own responses from their stream", async () => {
  const storage = createMemoryStorage();
  const handler = createCrmHandler({
    storage,
    authenticate: async () => ({ actor: { id: 'admin', role: 'admin' } }),
  });
  // A host's middleware: adds a header to the CRM's answer; answers one path itself with a streamed body.
  const server = createServer(
    toNodeListener(async (request) => {
      if (new URL(request.url).pathname === '/own') {
        const parts = ['one ', 'two'];
        const body = new ReadableStream<Uint8Array>({
          pull: (controller) => {
            const part = parts.shift();
            if (part === undefined) controller.close();
            else controller.enqueue(new TextEncoder().encode(part));
          },
        });
        return new Response(body, { headers: { 'content-type': 'text/plain' } });
      }
      const response = await handler(request);
      response.headers.set('x-host', 'added');
      return response;
    }),
  );
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const get = (path: string) =>
    new Promise<{ status: number; headers: Record<string, unknown>; body: string }>((resolve, reject) => {
      const outgoing = httpRequest({ host: '127.0.0.1', port, path }, (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('end', () => resolve({ status: response.statusCode!, headers: response.headers, body: text }));
      });
      outgoing.on('error', reject);
      outgoing.end();
    });
  try {
    const health = await get('/health');
    assert.equal(health.status, 200);
    assert.deepEqual(JSON.parse(health.body), { status: 'ok' });
    assert.equal(health.headers['content-length'], String(Buffer.byteLength(health.body)));
    assert.equal(health.headers['x-host'], 'added', "the host's header is sent");
    const customers = await get('/customers');
    assert.equal(customers.status, 200);
    assert.deepEqual(JSON.parse(customers.body).records, []);
    const own = await get('/own');
    assert.equal(own.body, 'one two');
    assert.equal(own.headers['transfer-encoding'], 'chunked');
  } finally {
    server.close();
  }
});
