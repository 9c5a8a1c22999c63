/**
 * The audit log as a hash chain: each entry records the SHA-256 of the one before it, so changing, removing or
 * reordering an entry breaks the chain at that point, and a head kept elsewhere also shows a log cut short.
 *
 * A chained entry's id is `z` and its sequence number in 12 digits (`z000000000001`): primary-key order is chain order,
 * the newest entry is the last id, and an append's id is known before it is written. Entries written before the chain
 * existed (random ids, no `seq`) are legacy: they are not part of the chain and verification skips them.
 *
 * @module
 */
import * as z from 'zod/mini';
import { StorageError } from '../errors/errors.js';
import type { Filter } from '../filter/index.js';
import { auditEntrySchema, type AuditEntry } from '../model/compliance.js';
import type { OrderBy, StorageOperations, StoredRecord } from '../storage/port.js';
import { canonicalJson } from './audit.js';
import { AUDIT_COLLECTION } from './collections.js';
import { sha256 } from './sha256.js';

/** What an append records: a parsed audit entry; the log adds `id`, `seq` and `prev`. */
export type AuditEntryContent = Omit<AuditEntry, 'id' | 'version' | 'createdAt' | 'updatedAt' | 'seq' | 'prev'>;

/** The newest chained entry: keep it outside the storage to detect later truncation or rewriting. */
export interface AuditHead {
  readonly seq: number;
  /** The SHA-256 (lowercase hex) of the entry's chained fields. */
  readonly hash: string;
  readonly id: string;
}

/**
 * Why verification stopped: `hash`, the entry no longer hashes to what its successor recorded (it, or its successor's
 * `prev`, was changed); `sequence`, the entry is missing; `shape`, the entry is not a well-formed chained entry;
 * `truncated`, the kept head's entry is gone or different.
 */
export type AuditBreakReason = 'hash' | 'sequence' | 'shape' | 'truncated';

/** The outcome of `crm.audit.verify()`. `entries` counts the chained entries read before any break. */
export type AuditVerification =
  | { readonly ok: true; readonly entries: number; readonly head: AuditHead | undefined }
  | {
      readonly ok: false;
      readonly entries: number;
      /** The first entry at which the chain breaks. */
      readonly brokenAt: { readonly seq: number; readonly id: string; readonly reason: AuditBreakReason };
      /** The newest entry, when verification read the whole chain (a `truncated` log). */
      readonly head?: AuditHead;
    };

const SEQ_DIGITS = 12;
const MAX_SEQ = 10 ** SEQ_DIGITS - 1;
const CHAINED_ID = /^z\d{12}$/;
const GENESIS = /* @__PURE__ */ '0'.repeat(64);
const PAGE = 500;
const CHAIN: Filter = { field: 'id', op: 'between', min: 'z000000000001', max: 'z999999999999' };
const NEWEST_FIRST: readonly OrderBy[] = [{ field: 'id', direction: 'desc' }];

/**
 * The entry each transaction appended last. Inside a transaction it stays the newest: another writer's append would
 * need the next id, which cannot commit before this one does, so the next append here need not query again.
 */
const appended = /* @__PURE__ */ new WeakMap<StorageOperations, StoredRecord>();

const idOf = (seq: number): string => `z${String(seq).padStart(SEQ_DIGITS, '0')}`;
const seqOf = (id: string): number => Number(id.slice(1));

/** The fields the hash covers: all but the metadata the adapter maintains (`version`, `createdAt`, `updatedAt`). */
function chainedJson(record: StoredRecord): string {
  const { version: _version, createdAt: _createdAt, updatedAt: _updatedAt, ...fields } = record;
  return canonicalJson(fields);
}

/** The newest chained entry; an id in the chain's range that is not a chained id (a legacy one) is passed over. */
async function newest(ops: StorageOperations): Promise<StoredRecord | undefined> {
  let after: string | undefined;
  do {
    const page = await ops.query(AUDIT_COLLECTION, {
      where: CHAIN,
      orderBy: NEWEST_FIRST,
      limit: 1,
      ...(after === undefined ? {} : { after }),
    });
    const record = page.records[0];
    if (record && CHAINED_ID.test(record.id)) return record;
    after = page.next;
  } while (after !== undefined);
  return undefined;
}

/**
 * Appends `entry` (already parsed) to the chain, inside the caller's transaction. The hash is computed synchronously
 * (`sha256.ts`), since an IndexedDB transaction would end at an await of WebCrypto.
 *
 * @throws ConflictError when another append took the same sequence number first: the entry's id is fixed by its
 *   sequence number and written with `expectedVersion: 0`, so of two writers that read the same newest entry the
 *   storage admits one and refuses the other, with its whole transaction. This is what serialises appends.
 */
export async function appendAuditEntry(ops: StorageOperations, entry: AuditEntryContent): Promise<void> {
  let last = appended.get(ops);
  if (!last) {
    // The chain's head is what every writer appends to: its turn first, so the head read is the newest.
    await ops.serialize?.();
    last = await newest(ops);
  }
  // The id, not the stored `seq`, gives the number: it is the key the next append must not collide with.
  const seq = last ? seqOf(last.id) + 1 : 1;
  if (seq > MAX_SEQ) throw new StorageError('The audit log has no sequence number left');
  const prev = last ? sha256(chainedJson(last)) : GENESIS;
  const stored = await ops.put<Record<string, unknown>>(
    AUDIT_COLLECTION,
    { ...entry, seq, prev, id: idOf(seq) },
    { expectedVersion: 0 },
  );
  // A port (it has `transaction`) commits each write at once, so another writer may append next: it is asked again.
  if (!('transaction' in ops)) appended.set(ops, stored);
}

/** The newest chained entry's sequence number, hash and id; `undefined` while the chain is empty. */
export async function auditHead(ops: StorageOperations): Promise<AuditHead | undefined> {
  const last = await newest(ops);
  return last && { seq: seqOf(last.id), hash: sha256(chainedJson(last)), id: last.id };
}

async function digestHex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (byte) => byte.toString(16).padStart(2, '0')).join('');
}

/**
 * Walks the chain in order and reports the first broken link: an entry missing from the sequence, one that is not a
 * well-formed chained entry, or one whose hash (through WebCrypto) is not the `prev` of the next. With a `head` kept
 * earlier (from {@link auditHead}), an intact chain must still hold that entry unchanged, else `truncated`. Legacy
 * entries are skipped. Reads the log a page at a time; run it outside a transaction.
 */
export async function verifyAuditLog(
  ops: StorageOperations,
  options: { readonly head?: AuditHead } = {},
): Promise<AuditVerification> {
  const kept = options.head;
  let previous: AuditHead | undefined;
  let keptHash: string | undefined;
  let entries = 0;
  const broken = (seq: number, reason: AuditBreakReason, head?: AuditHead): AuditVerification => ({
    ok: false,
    entries,
    brokenAt: { seq, id: idOf(seq), reason },
    ...(head ? { head } : {}),
  });
  let after: string | undefined;
  do {
    const page = await ops.query(AUDIT_COLLECTION, {
      where: CHAIN,
      limit: PAGE,
      ...(after === undefined ? {} : { after }),
    });
    after = page.next;
    const chained = page.records.filter((record) => CHAINED_ID.test(record.id));
    const hashes = await Promise.all(chained.map((record) => digestHex(chainedJson(record))));
    for (const [i, record] of chained.entries()) {
      const seq = seqOf(record.id);
      const expected = (previous?.seq ?? 0) + 1;
      if (seq !== expected) return broken(expected, 'sequence');
      if (record['seq'] !== seq || record['prev'] === undefined || !z.safeParse(auditEntrySchema, record).success) {
        return broken(seq, 'shape');
      }
      if (record['prev'] !== (previous?.hash ?? GENESIS)) return broken(previous?.seq ?? seq, 'hash');
      previous = { seq, hash: hashes[i]!, id: record.id };
      if (seq === kept?.seq) keptHash = previous.hash;
      entries++;
    }
  } while (after !== undefined);
  if (kept && keptHash !== kept.hash) return broken(kept.seq, 'truncated', previous);
  return { ok: true, entries, head: previous };
}
