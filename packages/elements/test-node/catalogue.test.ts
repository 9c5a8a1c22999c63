// Every user-visible string must exist in every language: each `msg()` id in the source has a translation in each
// catalogue of src/locales/, with the same placeholders, and no catalogue keeps an id the source no longer uses.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as zhCN from '../src/locales/zh-CN.js';

const src = fileURLToPath(new URL('../src/', import.meta.url));

/** Message id → number of `${…}` placeholders in its English source. */
async function sourceMessages(): Promise<Map<string, number>> {
  const files = (await readdir(src, { recursive: true })).filter(
    (file) => file.endsWith('.ts') && !file.startsWith('locales'),
  );
  const messages = new Map<string, number>();
  for (const file of files) {
    const text = await readFile(join(src, file), 'utf8');
    // msg('text', { id: '…' }) or msg(str`text ${x}`, { id: '…' }), possibly across lines.
    for (const match of text.matchAll(/msg\(\s*(str`(?:[^`\\]|\\.)*`|'(?:[^'\\]|\\.)*')\s*,\s*\{\s*id:\s*'([^']+)'/g)) {
      messages.set(match[2]!, (match[1]!.match(/\$\{/g) ?? []).length);
    }
  }
  return messages;
}

/** The number of placeholders of a runtime-catalogue entry: a plain string has none. */
function placeholders(entry: unknown): number {
  if (typeof entry === 'string') return 0;
  const values = (entry as { values?: unknown[] }).values;
  return Array.isArray(values) ? values.length : 0;
}

test('the zh-CN catalogue translates every message of the source, with the same placeholders', async () => {
  const source = await sourceMessages();
  assert.ok(source.size >= 40, `found only ${source.size} messages: the scan is broken`);
  const catalogue = zhCN.templates as Record<string, unknown>;
  const missing = [...source.keys()].filter((id) => !(id in catalogue));
  const stale = Object.keys(catalogue).filter((id) => !source.has(id));
  const mismatched = [...source].filter(([id, count]) => id in catalogue && placeholders(catalogue[id]) !== count);
  assert.deepEqual({ missing, stale, mismatched }, { missing: [], stale: [], mismatched: [] });
});
