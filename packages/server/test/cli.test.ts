/**
 * The `crmkit` command: its command line (errors are exit code 2 with a sentence), and `crmkit serve` over an
 * embedded PGlite database in a temporary folder on a free port: health, authentication (users file, JWT, the
 * demo header), an API round trip, static files that cannot be escaped, the folder's lock, data kept across a
 * restart, and a graceful stop that ends live change streams.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { SignJWT } from 'jose';
import { CliError, main, serve, type RunningServer, type ServeOptions } from '../src/cli/main.js';
import { createAuthentication } from '../src/cli/auth.js';
import { loadPeer } from '../src/cli/storage.js';

const TOKEN = 'test-admin-token-0123456789';
const REP_TOKEN = 'test-rep-token-abcdefghijkl';
/** A test may wait on a server; one that hangs fails instead of stalling the run. */
const SLOW = { timeout: 120_000 };

let root: string;
let usersFile: string;
let staticDir: string;
let folders = 0;

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'crmkit-cli-'));
  usersFile = join(root, 'users.json');
  await writeFile(
    usersFile,
    JSON.stringify({
      tokens: { [TOKEN]: { id: 'u-admin', role: 'admin' }, [REP_TOKEN]: { id: 'u-rep', role: 'rep' } },
    }),
  );
  staticDir = join(root, 'public');
  await mkdir(join(staticDir, 'sub'), { recursive: true });
  await writeFile(join(staticDir, 'index.html'), '<!doctype html><title>portal</title>');
  await writeFile(join(staticDir, 'app.js'), 'console.log("portal");');
  await writeFile(join(staticDir, 'style.css'), 'body { margin: 0 }');
  await writeFile(join(staticDir, 'logo.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  await writeFile(join(staticDir, 'sub', 'page.json'), '{"ok":true}');
  await writeFile(join(staticDir, '.env'), 'SECRET=hidden');
  await writeFile(join(root, 'secret.txt'), 'outside the static folder');
  await symlink(join(root, 'secret.txt'), join(staticDir, 'link.txt'));
});
after(() => rm(root, { recursive: true, force: true }));

/** A new, not yet existing data folder. */
const dataFolder = () => join(root, `data-${++folders}`);

/** Collects what is written, as `process.stderr` would receive it. */
function sink() {
  const lines = { text: '', write: (chunk: string) => void (lines.text += chunk) };
  return lines;
}

/** Runs `main` with an empty environment unless one is given. */
async function run(argv: string[], env: Record<string, string> = {}) {
  const stdout = sink();
  const stderr = sink();
  const code = await main(argv, { env, cwd: root, stdout, stderr });
  return { code, stdout: stdout.text, stderr: stderr.text };
}

function serveOn(dataDir: string, options: Partial<ServeOptions> = {}, log?: (line: string) => void) {
  return serve({
    port: 0,
    storage: { kind: 'pglite', dataDir },
    auth: { usersFile },
    ...(log ? { log } : {}),
    ...options,
  });
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

async function json(response: Response): Promise<Record<string, unknown>> {
  return (await response.json()) as Record<string, unknown>;
}

/** A GET with the path sent exactly as written (fetch would resolve `..` and normalise escapes first). */
function rawGet(url: string, path: string): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const request = httpRequest({ hostname, port, path, method: 'GET', agent: false }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    request.on('error', reject);
    request.end();
  });
}

test('an unknown option is exit code 2 with a sentence naming it', async () => {
  const typo = await run(['serve', '--prot', '80', '--users', usersFile]);
  assert.equal(typo.code, 2);
  assert.match(typo.stderr, /unknown option --prot \(did you mean --port\?\)/);
  assert.equal(typo.stdout, '');

  const misplaced = await run(['--port', '80']);
  assert.equal(misplaced.code, 2);
  assert.match(misplaced.stderr, /--port is an option of a command: crmkit serve --port/);

  const cases: [string[], RegExp][] = [
    [[], /Name a command/],
    [['deploy'], /Unknown command "deploy"/],
    [['serve', 'now', '--users', usersFile], /Unexpected argument 'now'/],
    [['serve', '--port', 'http', '--users', usersFile], /--port takes a number from 0 to 65535, not "http"/],
    [['serve', '--port', '70000', '--users', usersFile], /--port takes a number/],
    [['serve', '--port', '--users', usersFile], /--port/],
    [['serve', '--insecure-demo=yes'], /does not take an argument/],
    [['serve', '--data', 'x', '--database-url', 'postgres://db/crm', '--users', usersFile], /not both/],
    [['serve', '--database-url', 'mysql://db/crm', '--users', usersFile], /must start with postgres:\/\//],
    [['serve'], /Say who may use the server: --users/],
    [['serve', '--insecure-demo', '--users', usersFile], /cannot be combined/],
    [['serve', '--tenant', '', '--users', usersFile], /--tenant takes a name/],
  ];
  for (const [argv, message] of cases) {
    const { code, stderr } = await run(argv);
    assert.equal(code, 2, argv.join(' '));
    assert.match(stderr, message, argv.join(' '));
  }
  // A secret too short to sign with is refused before anything opens, and not echoed.
  const weak = await run(['serve', '--port', '0', '--data', dataFolder()], { CRMKIT_JWT_SECRET: 'tiny-secret' });
  assert.equal(weak.code, 2);
  assert.match(weak.stderr, /CRMKIT_JWT_SECRET is too short/);
  assert.ok(!weak.stderr.includes('tiny-secret'));
  // The environment counts as the flags do.
  const demoWithJwt = await run(['serve', '--insecure-demo'], { CRMKIT_JWT_SECRET: 'x'.repeat(40) });
  assert.equal(demoWithJwt.code, 2);
  assert.match(demoWithJwt.stderr, /cannot be combined/);
});

test('--help and --version print to stdout and exit 0', async () => {
  const help = await run(['--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /Usage: crmkit <command>/);
  assert.match(help.stdout, /serve/);

  for (const argv of [
    ['serve', '--help'],
    ['serve', '-h'],
    ['help', 'serve'],
  ]) {
    const serveHelp = await run(argv);
    assert.equal(serveHelp.code, 0);
    for (const option of ['--port', '--host', '--data', '--database-url', '--static', '--tenant', '--users']) {
      assert.ok(serveHelp.stdout.includes(option), `${argv.join(' ')} describes ${option}`);
    }
    assert.match(serveHelp.stdout, /--insecure-demo/);
    assert.match(serveHelp.stdout, /CRMKIT_JWT_SECRET/);
  }

  const manifest = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  const version = await run(['--version']);
  assert.equal(version.code, 0);
  assert.equal(version.stdout, `${manifest.version}\n`);
});

test('a missing optional package is named with the command that installs it', async () => {
  const name = '@crmkit/no-such-package';
  await assert.rejects(
    loadPeer(name, () => import(name)),
    (error: unknown) =>
      error instanceof CliError && /npm install @crmkit\/no-such-package/.test(error.message) && error.exitCode === 1,
  );
  // Any other failure is passed on as it is.
  const broken = new Error('the module threw while loading');
  await assert.rejects(
    loadPeer(name, () => Promise.reject(broken)),
    (error: unknown) => error === broken,
  );
});

test('tokens given in memory are checked like a users file’s, and said so without quoting them', async () => {
  const token = 'in-memory-token-0123456789';
  const auth = await createAuthentication({
    tokens: { [token]: { id: 'u-rep', role: 'rep' }, 'another-token-0123456789': { id: 'u-viewer', role: 'viewer' } },
  });
  assert.equal(auth.description, 'tokens (2 tokens)');
  const as = (authorization?: string) =>
    auth.authenticate(new Request('http://localhost/api/session', authorization ? { headers: { authorization } } : {}));
  assert.deepEqual(await as(`Bearer ${token}`), { actor: { id: 'u-rep', role: 'rep' } });
  assert.equal(await as(`Bearer ${token}x`), undefined);
  assert.equal(await as(), undefined);
  // Beside a users file: either one's tokens are accepted.
  const both = await createAuthentication({ usersFile, tokens: { [token]: { id: 'u-rep', role: 'rep' } } });
  assert.match(both.description, /^users file \(\d+ tokens\)$/);
  await assert.rejects(
    createAuthentication({ tokens: { 'short-secret': { id: 'u-1', role: 'admin' } } }),
    (error: Error) =>
      /token of entry 1 of the tokens option/.test(error.message) && !error.message.includes('short-secret'),
  );
  await assert.rejects(createAuthentication({ tokens: {} }), /the tokens option is empty/);
  await assert.rejects(
    createAuthentication({ tokens: { [token]: { id: 'u-rep', role: 'rep' } }, insecureDemo: true }),
    /cannot be combined/,
  );
});

test('a users file or static folder that cannot be used is reported, without quoting tokens', async () => {
  const check = async (content: string, message: RegExp, secret: string) => {
    const file = join(root, `users-${++folders}.json`);
    await writeFile(file, content);
    const { code, stderr } = await run(['serve', '--port', '0', '--data', dataFolder(), '--users', file]);
    assert.equal(code, 1);
    assert.match(stderr, message);
    assert.ok(!stderr.includes(secret), 'the token stays out of the message');
  };
  await check('{ "tokens": { "short-secret": { "id": "u-1", "role": "admin" } } }', /token of entry 1/, 'short-secret');
  await check(
    '{ "tokens": { "long-enough-secret-123": { "id": "u-1", "role": "owner" } } }',
    /role of entry 1 of "tokens" must be one of admin, manager, rep, viewer/,
    'long-enough-secret-123',
  );
  await check('{ "tokens": { "long-enough-secret-456": ', /is not valid JSON/, 'long-enough-secret-456');
  await check('{ "tokens": {} }', /"tokens" is empty/, '"tokens"x');
  const missing = await run(['serve', '--port', '0', '--users', join(root, 'nobody.json')]);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /does not exist/);
  const noStatic = await run(['serve', '--port', '0', '--users', usersFile, '--static', 'no-such-folder']);
  assert.equal(noStatic.code, 1);
  assert.match(noStatic.stderr, /--static .*no-such-folder is not a folder/);
});

test(
  'serve: health, authentication, an API round trip, static files, the lock, a restart keeps the data',
  SLOW,
  async () => {
    const dataDir = dataFolder();
    const lines: string[] = [];
    const first = await serveOn(dataDir, { staticDir }, (line) => lines.push(line));
    let customerId: string;
    try {
      const { url } = first;
      assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
      const health = await fetch(`${url}/health`);
      assert.equal(health.status, 200);
      assert.deepEqual(await health.json(), { status: 'ok' });
      assert.equal((await fetch(`${url}/api/health`)).status, 200);

      // Nobody, and a token nobody was given, are refused.
      for (const headers of [{}, bearer('not-a-token-of-this-server'), { authorization: TOKEN }]) {
        const refused = await fetch(`${url}/api/customers`, { headers });
        assert.equal(refused.status, 401);
        assert.equal((await json(refused))['code'], 'CRM_UNAUTHENTICATED');
      }

      const created = await fetch(`${url}/api/customers`, {
        method: 'POST',
        headers: { ...bearer(TOKEN), 'content-type': 'application/json' },
        body: JSON.stringify({ kind: 'organisation', name: 'Hangzhou Lighting' }),
      });
      assert.equal(created.status, 201);
      const customer = await json(created);
      customerId = customer['id'] as string;
      assert.equal(customer['ownerId'], 'u-admin');
      const read = await fetch(`${url}/api/customers/${customerId}`, { headers: bearer(TOKEN) });
      assert.equal(read.status, 200);
      assert.equal((await json(read))['name'], 'Hangzhou Lighting');
      const session = await json(await fetch(`${url}/api/session`, { headers: bearer(REP_TOKEN) }));
      assert.deepEqual(session['actor'], { id: 'u-rep', role: 'rep' });

      // Static files, with their types.
      const index = await fetch(`${url}/`);
      assert.equal(index.status, 200);
      assert.equal(index.headers.get('content-type'), 'text/html; charset=utf-8');
      assert.equal(await index.text(), '<!doctype html><title>portal</title>');
      const types: [string, string][] = [
        ['/app.js', 'text/javascript; charset=utf-8'],
        ['/style.css', 'text/css; charset=utf-8'],
        ['/logo.svg', 'image/svg+xml'],
        ['/sub/page.json', 'application/json; charset=utf-8'],
      ];
      for (const [path, type] of types) {
        const file = await fetch(`${url}${path}`);
        assert.equal(file.status, 200, path);
        assert.equal(file.headers.get('content-type'), type, path);
        assert.equal(file.headers.get('x-content-type-options'), 'nosniff');
        await file.arrayBuffer();
      }
      const head = await fetch(`${url}/app.js`, { method: 'HEAD' });
      assert.equal(head.status, 200);
      assert.equal(head.headers.get('content-length'), String('console.log("portal");'.length));
      assert.equal((await fetch(`${url}/`, { method: 'POST' })).status, 405);

      // Nothing outside the folder, no hidden files, no listings.
      for (const path of [
        '/../secret.txt',
        '/%2e%2e/secret.txt',
        '/..%2fsecret.txt',
        '/sub/..%2f..%2fsecret.txt',
        '/sub/%2e%2e%2f%2e%2e%2fsecret.txt',
        '/..%5csecret.txt',
        '/link.txt',
        '/.env',
        '/%2eenv',
        '/sub/',
        '/sub',
        '/missing.js',
        '/%E0%A4%A',
      ]) {
        const answer = await rawGet(url, path);
        assert.equal(answer.status, 404, path);
        assert.ok(!answer.body.includes('outside') && !answer.body.includes('SECRET'), path);
      }

      // The folder is this server's while it runs.
      await assert.rejects(serveOn(dataDir), (error: unknown) => {
        assert.ok(error instanceof CliError);
        assert.match(error.message, new RegExp(`in use by process ${process.pid}`));
        return true;
      });
    } finally {
      await first.close();
    }
    assert.match(lines[0] ?? '', /^crmkit: listening on http:\/\/127\.0\.0\.1:\d+ \(API at \/api, storage: PGlite in /);
    assert.match(lines.at(-1) ?? '', /^crmkit: stopped \(gracefully/);
    assert.ok(!lines.join('\n').includes(TOKEN), 'no token is logged');
    assert.ok(!lines.join('\n').includes('Hangzhou'), 'no record data is logged');

    // A new server on the same folder reads what the first one wrote.
    const second = await serveOn(dataDir);
    try {
      const again = await fetch(`${second.url}/api/customers/${customerId}`, { headers: bearer(TOKEN) });
      assert.equal(again.status, 200);
      assert.equal((await json(again))['name'], 'Hangzhou Lighting');
      // Without --static, the root serves nothing but /health.
      assert.equal((await fetch(`${second.url}/index.html`)).status, 404);
    } finally {
      await second.close();
    }
  },
);

test('close() ends live change streams and resolves; later connections are refused', SLOW, async () => {
  const server: RunningServer = await serveOn(dataFolder());
  const stream = await fetch(`${server.url}/api/changes`, { headers: bearer(TOKEN) });
  assert.equal(stream.status, 200);
  assert.equal(stream.headers.get('content-type')?.split(';')[0], 'text/event-stream');
  const reader = stream.body!.getReader();
  const decoder = new TextDecoder();
  let received = '';
  while (!received.includes('connected')) {
    const { value, done } = await reader.read();
    assert.equal(done, false);
    received += decoder.decode(value, { stream: true });
  }
  const closing = server.close();
  // The stream ends (no error: the server ended it), then close() resolves; a second call is the same stop.
  for (;;) {
    const { done } = await reader.read();
    if (done) break;
  }
  await closing;
  assert.equal(server.close(), closing);
  await assert.rejects(fetch(`${server.url}/health`));
});

test('crmkit serve runs until its signal aborts, and JWTs are accepted beside the users file', SLOW, async () => {
  const secret = 'a-secret-of-more-than-32-characters-for-hmac';
  const controller = new AbortController();
  const stderr = sink();
  let listening: (url: string) => void;
  const address = new Promise<string>((resolve) => (listening = resolve));
  const exit = main(['serve', '--port', '0', '--data', `data-${++folders}`, '--users', 'users.json'], {
    env: { CRMKIT_JWT_SECRET: secret, CRMKIT_JWT_ISSUER: 'https://id.example.com/' },
    cwd: root,
    stderr,
    stdout: sink(),
    signal: controller.signal,
    onListening: (url) => listening(url),
  });
  const url = await address;
  const jwt = await new SignJWT({ role: 'manager' })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject('u-manager')
    .setIssuer('https://id.example.com/')
    .setExpirationTime('5m')
    .sign(new TextEncoder().encode(secret));
  const viaJwt = await json(await fetch(`${url}/api/session`, { headers: bearer(jwt) }));
  assert.deepEqual(viaJwt['actor'], { id: 'u-manager', role: 'manager' });
  const viaFile = await json(await fetch(`${url}/api/session`, { headers: bearer(TOKEN) }));
  assert.deepEqual(viaFile['actor'], { id: 'u-admin', role: 'admin' });
  const otherIssuer = await new SignJWT({ role: 'admin' })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject('u-x')
    .setIssuer('https://elsewhere.example.com/')
    .sign(new TextEncoder().encode(secret));
  assert.equal((await fetch(`${url}/api/session`, { headers: bearer(otherIssuer) })).status, 401);

  controller.abort();
  assert.equal(await exit, 0);
  assert.match(stderr.text, /auth: users file \(2 tokens\) \+ JWT \(HMAC\)/);
  assert.match(stderr.text, /crmkit: stopped/);
  assert.ok(!stderr.text.includes(secret) && !stderr.text.includes(TOKEN));
});

test('--insecure-demo trusts the demo header, and says so loudly', SLOW, async () => {
  const controller = new AbortController();
  const stderr = sink();
  let listening: (url: string) => void;
  const address = new Promise<string>((resolve) => (listening = resolve));
  const exit = main(['serve', '--port', '0', '--data', dataFolder(), '--insecure-demo', '--tenant', 'demo'], {
    env: {},
    stderr,
    stdout: sink(),
    signal: controller.signal,
    onListening: (url) => listening(url),
  });
  const url = await address;
  const session = await json(
    await fetch(`${url}/api/session`, { headers: { 'x-crmkit-demo-user': 'u-demo:manager' } }),
  );
  assert.deepEqual(session['actor'], { id: 'u-demo', role: 'manager' });
  const refused: Record<string, string>[] = [
    {},
    { 'x-crmkit-demo-user': 'u-demo:owner' },
    { 'x-crmkit-demo-user': ':admin' },
    { 'x-crmkit-demo-user': 'u-demo' },
  ];
  for (const headers of refused) {
    assert.equal((await fetch(`${url}/api/session`, { headers })).status, 401);
  }
  controller.abort();
  assert.equal(await exit, 0);
  assert.match(stderr.text, /WARNING --insecure-demo: there is NO authentication/);
  assert.match(stderr.text, /tenant: demo/);
});

test('a port in use and an unreachable database are exit code 1 with a sentence (and no password)', SLOW, async () => {
  const blocker = createNetServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  const { port } = blocker.address() as AddressInfo;
  try {
    const taken = await run(['serve', '--port', String(port), '--data', dataFolder(), '--users', usersFile]);
    assert.equal(taken.code, 1);
    assert.match(taken.stderr, new RegExp(`Port ${port} on 127.0.0.1 is in use`));
  } finally {
    await new Promise((resolve) => blocker.close(resolve));
  }

  const unreachable = await run(['serve', '--port', '0', '--users', usersFile], {
    DATABASE_URL: 'postgres://crm:pa55-w0rd-never-shown@127.0.0.1:1/crm',
  });
  assert.equal(unreachable.code, 1);
  assert.match(unreachable.stderr, /Cannot open the PostgreSQL database at 127\.0\.0\.1:1\/crm/);
  assert.ok(!unreachable.stderr.includes('pa55-w0rd-never-shown'));
});

test(
  '--web-to-lead: a marketing site posts a lead to a configured form; a bad forms file is named by field',
  SLOW,
  async () => {
    const forms = join(root, 'forms.json');
    await writeFile(
      forms,
      JSON.stringify({
        forms: {
          contact: {
            ownerId: 'u-rep',
            source: 'web',
            allowedOrigins: ['https://www.example.com'],
            consentPurposes: ['contact'],
          },
        },
      }),
    );
    const lines: string[] = [];
    const server = await serveOn(dataFolder(), { webToLeadFile: forms }, (line) => lines.push(line));
    try {
      assert.match(lines.join('\n'), /web-to-lead forms at \/api\/public\/leads\/<key>/);
      const posted = await fetch(`${server.url}/api/public/leads/contact`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: 'https://www.example.com' },
        body: JSON.stringify({ name: 'Wang Fang', email: 'wang.fang@example.com', consent: ['contact'] }),
      });
      assert.equal(posted.status, 202, await posted.clone().text());
      const leads = await fetch(`${server.url}/api/leads`, { headers: bearer(TOKEN) });
      const records = (await json(leads))['records'] as { name: string; ownerId: string; source: string }[];
      assert.deepEqual(
        records.map((lead) => [lead.name, lead.ownerId, lead.source]),
        [['Wang Fang', 'u-rep', 'web']],
      );
      const foreign = await fetch(`${server.url}/api/public/leads/contact`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: 'https://evil.example' },
        body: JSON.stringify({ name: 'X', consent: ['contact'] }),
      });
      assert.equal(foreign.status, 403);
    } finally {
      await server.close();
    }
    const bad = join(root, 'bad-forms.json');
    await writeFile(
      bad,
      JSON.stringify({ forms: { contact: { ownerId: 'u-rep', source: 'web', allowedOrigins: ['*'] } } }),
    );
    const refused = await run([
      'serve',
      '--port',
      '0',
      '--data',
      dataFolder(),
      '--users',
      usersFile,
      '--web-to-lead',
      bad,
    ]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /web-to-lead file .*bad-forms\.json: forms\.contact\./);
    const unreadable = await run([
      'serve',
      '--port',
      '0',
      '--users',
      usersFile,
      '--web-to-lead',
      join(root, 'none.json'),
    ]);
    assert.equal(unreadable.code, 1);
    assert.match(unreadable.stderr, /web-to-lead file .* does not exist/);
  },
);
