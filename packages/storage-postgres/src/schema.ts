/**
 * The database schema and its versioned migrations. Everything lives in one PostgreSQL schema (`crmkit` by default):
 * one table of records for every collection and tenant, a change log, and the schema version.
 */
import { CRM_INDEXES, SchemaVersionError, checkCollection, parseIndexSpec, type IndexDesign } from '@crmkit/core';
import type { SqlDriver, SqlExecutor } from './driver.js';

/** The schema version this code writes; a database at a newer one is refused with `SchemaVersionError`. */
export const POSTGRES_SCHEMA_VERSION = 4;

/** One migration: the statements taking the schema from `version - 1` to `version`. */
export interface PostgresMigration {
  readonly version: number;
  /** The statements, given the quoted schema name. */
  statements(schema: string): readonly string[];
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** Whether `name` may name the schema: lower-case letters, digits and `_`, so it needs no escaping. */
export function isSchemaName(name: string): boolean {
  return SCHEMA_NAME.test(name);
}

/** `doc #> '{a,b}'` for an index spec's field; its segments passed `parseIndexSpec`, so they are identifiers. */
const pathExpression = (field: string) => `(doc #> '{${field.split('.').join(',')}}')`;

/** The sort key of an index spec's field, as the queries write it (pushdown.ts, `keyAt`). */
const keyExpression = (schema: string, field: string) => `(${schema}.sort_key${pathExpression(field)} COLLATE "C")`;

/**
 * The table holding a collection's records: from version 3 `records` is partitioned by collection, each of the CRM's
 * collections in a partition of its own and every other (a host's) in the default one. A statement names its
 * collection, which PostgreSQL prunes to at planning, so it plans with that partition's few indexes only (measured: a
 * primary-key read planned in 0.19 ms, against 0.7 ms with every collection's indexes on one table), and a write
 * maintains only its own collection's indexes (a deal update: 0.07 ms against 0.42 ms).
 */
export const partitionOf = (schema: string, collection: string) =>
  Object.hasOwn(CRM_INDEXES, collection)
    ? `${schema}.records_p_${collection.toLowerCase()}`
    : `${schema}.records_p_default`;

/**
 * A statement's condition on its collection (of the records aliased `alias`), the name written as a literal: a
 * statement prepared once per connection (driver.ts) then has a generic plan pruned to the collection's partition, as
 * cheap to run as one planned for its values; given as a parameter, the partition would be chosen only at run time and
 * PostgreSQL keeps planning every call. Names are identifiers (`checkCollection`, here too), so the literal needs no
 * escaping.
 */
export function collectionIs(collection: string, alias?: string): string {
  checkCollection(collection);
  return `${alias ? `${alias}.` : ''}collection = '${collection}'`;
}

/**
 * What follows `ON <partition>` for a collection's index: the sort keys of its fields after the tenant, then the
 * id's (so pages ordered by them need no sort); for a multi-entry field a GIN index on its array. In the default
 * partition, which holds every collection without one, an index is partial to its collection (`WHERE collection =
 * '…'`): the queries bind the collection, and PostgreSQL plans the drivers' unnamed statements with its value, so the
 * predicate is proved. A GIN index cannot lead with a text column without the btree_gin extension, which not every
 * server allows; its statements still carry the tenant predicate.
 */
function indexBody(schema: string, collection: string, spec: ReturnType<typeof parseIndexSpec>): string {
  // Collection names are identifiers (`checkCollection`): letters, digits and `_`, safe inside quotes.
  const where = Object.hasOwn(CRM_INDEXES, collection) ? '' : ` WHERE collection = '${collection}'`;
  if (spec.multiEntry) return `USING gin (${pathExpression(spec.fields[0]!)} jsonb_path_ops)${where}`;
  const keys = spec.fields.map((field) => keyExpression(schema, field));
  return `(tenant_id, ${keys.join(', ')}, ${schema}.text_key(id) COLLATE "C")${where}`;
}

/** The index name of a collection's spec: `prefix`, the collection and the fields, at most 63 characters. */
const indexName = (prefix: string, collection: string, spec: ReturnType<typeof parseIndexSpec>) =>
  `${prefix}${collection}_${spec.fields.join('_')}`.replaceAll('.', '_').toLowerCase();

/** The statements creating an index design's indexes, one per collection and spec, named after them. */
export function indexStatements(schema: string, design: IndexDesign): string[] {
  const names = new Set<string>();
  return Object.keys(design)
    .sort()
    .flatMap((collection) =>
      [...new Set(design[collection])].sort().map((raw) => {
        const spec = parseIndexSpec(raw);
        let name = indexName('records_', collection, spec).slice(0, 55);
        for (let n = 2; names.has(name); n++) name = `${name.slice(0, 52)}_${n}`;
        names.add(name);
        return `CREATE INDEX ${name} ON ${partitionOf(schema, collection)} ${indexBody(schema, collection, spec)}`;
      }),
    );
}

/** The CRM's index design with a host's added: its own collections, and its extra indexes on the CRM's. */
export function mergeIndexes(host: IndexDesign | undefined): IndexDesign {
  if (!host) return CRM_INDEXES;
  const merged: Record<string, readonly string[]> = { ...CRM_INDEXES };
  for (const [collection, specs] of Object.entries(host)) {
    merged[collection] = [...new Set([...(merged[collection] ?? []), ...specs])];
  }
  return Object.freeze(merged);
}

/** FNV-1a of a string, as 8 hex digits: names a host's index after its spec, whatever else the schema holds. */
function specHash(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return hash.toString(16).padStart(8, '0');
}

/**
 * The statements creating the indexes a host declares for its own collections (or adds to the CRM's) that the
 * migrations did not create: `CREATE INDEX IF NOT EXISTS`, named after the collection and spec, so every process
 * declaring the same index creates it once.
 */
export function hostIndexStatements(schema: string, design: IndexDesign): string[] {
  return Object.keys(design)
    .sort()
    .flatMap((collection) => {
      const built = new Set(Object.hasOwn(CRM_INDEXES, collection) ? CRM_INDEXES[collection] : []);
      return [...new Set(design[collection])]
        .filter((raw) => !built.has(raw))
        .sort()
        .map((raw) => {
          const spec = parseIndexSpec(raw);
          const name = `${indexName('records_h_', collection, spec).slice(0, 50)}_${specHash(`${collection}:${raw}`)}`;
          return `CREATE INDEX IF NOT EXISTS ${name} ON ${partitionOf(schema, collection)} ${indexBody(schema, collection, spec)}`;
        });
    });
}

/**
 * Creates the host's indexes that do not exist yet, under the migrations' advisory lock. A `CREATE INDEX` blocks
 * writes to the table while it builds: on a large table, build a new index `CONCURRENTLY` by hand first (the
 * statement is in `hostIndexStatements`), and this finds it.
 */
export async function ensureHostIndexes(driver: SqlDriver, schemaName: string, design: IndexDesign): Promise<void> {
  const statements = hostIndexStatements(`"${schemaName}"`, design);
  if (statements.length === 0) return;
  await driver.transaction(async (tx) => {
    await tx.query('SET TRANSACTION ISOLATION LEVEL READ COMMITTED');
    await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`crmkit:${schemaName}`]);
    for (const statement of statements) await tx.query(statement);
  });
}

/**
 * The key functions: text whose "C" (code point) order is core's order of values (`compareValues`), so PostgreSQL
 * sorts, compares and indexes values as every other adapter does.
 *
 * - `text_key`: a string in UTF-16 code-unit order. Code points differ from it only where U+E000–U+FFFF meets a
 *   character beyond U+FFFF, so those are prefixed with U+10FFFF (and U+10FFFF itself followed by U+0001).
 * - `number_key`: the IEEE-754 double as 16 hex digits that sort as the numbers do (sign bit flipped for positives,
 *   every bit for negatives); numbers beyond a double's range read as JavaScript reads them.
 * - `sort_key`: a rank (0 missing or null, 1 boolean, 2 number, 3 string, 4 object or array) and the value's key.
 */
/** `sort_key`'s expression of its argument `v` (version 4 keeps it, in PL/pgSQL). */
const sortKeyBody = (schema: string) => `CASE jsonb_typeof(v)
      WHEN 'boolean' THEN CASE WHEN v = 'true'::jsonb THEN '11' ELSE '10' END
      WHEN 'number' THEN '2' || ${schema}.number_key(v::numeric)
      WHEN 'string' THEN '3' || ${schema}.text_key(v #>> '{}')
      WHEN 'object' THEN '4'
      WHEN 'array' THEN '4'
      ELSE '0' END`;

const keyFunctions = (schema: string): string[] => [
  `CREATE FUNCTION ${schema}.text_key(t text) RETURNS text LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT regexp_replace(replace(t, chr(1114111), chr(1114111) || chr(1)), '([\\uE000-\\uFFFF])', chr(1114111) || '\\1', 'g')
    $$`,
  `CREATE FUNCTION ${schema}.number_key(n numeric) RETURNS text LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT lpad(to_hex(CASE WHEN f >= 0 THEN b # (-9223372036854775807 - 1) ELSE ~b END), 16, '0')
      FROM (SELECT f, ('x' || encode(float8send(f), 'hex'))::bit(64)::bigint AS b
        FROM (SELECT CASE
          WHEN n > 1.7976931348623157e308 THEN 'Infinity'::float8
          WHEN n < -1.7976931348623157e308 THEN '-Infinity'::float8
          WHEN abs(n) < 2.5e-324 THEN 0::float8
          ELSE n::float8 + 0::float8 END AS f) AS rounded) AS bits
    $$`,
  `CREATE FUNCTION ${schema}.sort_key(v jsonb) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT ${sortKeyBody(schema)}
    $$`,
  `CREATE FUNCTION ${schema}.sort_keys(texts text[]) RETURNS text[] LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT ARRAY(SELECT ${schema}.sort_key(value::jsonb) FROM unnest(texts) AS value)
    $$`,
];

/** The columns of `records` (and its primary key): the same in every version. */
const RECORDS_COLUMNS = `(
  tenant_id text NOT NULL,
  collection text NOT NULL,
  id text COLLATE "C" NOT NULL,
  version integer NOT NULL CHECK (version > 0),
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  doc jsonb NOT NULL,
  PRIMARY KEY (tenant_id, collection, id))`;

/** Every migration, oldest first; `version` of the last one is {@link POSTGRES_SCHEMA_VERSION}. */
export const POSTGRES_MIGRATIONS: readonly PostgresMigration[] = [
  {
    version: 1,
    statements: (schema) => [
      // Ids sort by code point ("C"), whatever the database's locale: the primary key then serves pages by id.
      `CREATE TABLE ${schema}.records ${RECORDS_COLUMNS}`,
      `CREATE TABLE ${schema}.changes (
        tenant_id text NOT NULL,
        seq bigint GENERATED ALWAYS AS IDENTITY,
        collection text NOT NULL,
        id text NOT NULL,
        type text NOT NULL CHECK (type IN ('put', 'delete')),
        version integer,
        at timestamptz NOT NULL DEFAULT now(),
        tx bigint NOT NULL DEFAULT txid_current(),
        PRIMARY KEY (tenant_id, seq))`,
      // Another process's listener reads one transaction's changes by its id.
      `CREATE INDEX changes_tx ON ${schema}.changes (tenant_id, tx)`,
      // Versions 1 and 2 also built indexes over every collection, which version 3 replaces: a database at either
      // has them, and version 3 drops whatever indexes it finds.
    ],
  },
  {
    version: 2,
    statements: (schema) => [
      // Which storage wrote a change, so a storage reading the log back skips its own.
      `ALTER TABLE ${schema}.changes ADD COLUMN origin text`,
      // The log is read by position (transaction, then sequence).
      `DROP INDEX ${schema}.changes_tx`,
      `CREATE INDEX changes_position ON ${schema}.changes (tenant_id, tx, seq)`,
      // The newest position pruned from each tenant's log: a resume from before it would miss changes.
      `CREATE TABLE ${schema}.change_pruning (
        tenant_id text PRIMARY KEY,
        tx bigint NOT NULL,
        seq bigint NOT NULL)`,
      // Values compared and sorted as core does, through key functions the indexes hold.
      ...keyFunctions(schema),
    ],
  },
  {
    version: 3,
    statements: (schema) => [
      // `records` becomes partitioned by collection (`partitionOf`), each partition with its collection's indexes.
      // The old table's rows are copied over, then it goes with its indexes (renamed where a new one takes the name;
      // the others' names differ). A host's indexes are built again, in the default partition, when it opens.
      `ALTER INDEX IF EXISTS ${schema}.records_id_key RENAME TO records_v2_id_key`,
      `ALTER TABLE ${schema}.records RENAME CONSTRAINT records_pkey TO records_v2_pkey`,
      `ALTER TABLE ${schema}.records RENAME TO records_v2`,
      `CREATE TABLE ${schema}.records ${RECORDS_COLUMNS} PARTITION BY LIST (collection)`,
      // A collection the CRM adds later starts in the default partition; moving it to one of its own is a migration
      // (the default partition must not hold a new partition's rows).
      ...Object.keys(CRM_INDEXES)
        .sort()
        .map(
          (collection) =>
            `CREATE TABLE ${partitionOf(schema, collection)} PARTITION OF ${schema}.records FOR VALUES IN ('${collection}')`,
        ),
      `CREATE TABLE ${schema}.records_p_default PARTITION OF ${schema}.records DEFAULT`,
      // Pages in id order, in every partition.
      `CREATE INDEX records_id_key ON ${schema}.records (tenant_id, collection, ${schema}.text_key(id) COLLATE "C")`,
      ...indexStatements(schema, CRM_INDEXES),
      `INSERT INTO ${schema}.records SELECT tenant_id, collection, id, version, created_at, updated_at, doc
        FROM ${schema}.records_v2`,
      `DROP TABLE ${schema}.records_v2`,
    ],
  },
  {
    version: 4,
    statements: (schema) => [
      // `sort_key` the same, in PL/pgSQL: a SQL function is inlined, and PostgreSQL then plans every statement
      // comparing a field by matching the inlined body against each index's (measured: a count over eight owners
      // planned in 5.5 ms, 1.05 ms opaque, and ran faster too). The indexes on it stay valid: its results do not change.
      `CREATE OR REPLACE FUNCTION ${schema}.sort_key(v jsonb) RETURNS text LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
      BEGIN
        RETURN ${sortKeyBody(schema)};
      END
      $$`,
    ],
  },
];
/**
 * Brings the schema up to {@link POSTGRES_SCHEMA_VERSION}: in one transaction, under an advisory lock on the schema
 * name so concurrent opens run the migrations once, each pending migration runs and the version is recorded.
 *
 * @throws SchemaVersionError when the database is at a newer version than this code knows.
 */
export async function migrate(driver: SqlDriver, schemaName: string): Promise<void> {
  const schema = `"${schemaName}"`;
  const current = await readVersion(driver, schemaName);
  if (current === POSTGRES_SCHEMA_VERSION) return;
  if (current > POSTGRES_SCHEMA_VERSION) throw new SchemaVersionError(current, POSTGRES_SCHEMA_VERSION);
  await driver.transaction(async (tx) => {
    // READ COMMITTED, so the statements after the lock see what a process that held it before committed (a
    // REPEATABLE READ snapshot would date from before the wait).
    await tx.query('SET TRANSACTION ISOLATION LEVEL READ COMMITTED');
    await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`crmkit:${schemaName}`]);
    // Read again under the lock: another process may have migrated meanwhile.
    const locked = await readVersion(tx, schemaName);
    if (locked > POSTGRES_SCHEMA_VERSION) throw new SchemaVersionError(locked, POSTGRES_SCHEMA_VERSION);
    if (locked === 0) {
      await tx.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
      await tx.query(`CREATE TABLE ${schema}.schema_version (
        singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
        version integer NOT NULL)`);
      await tx.query(`INSERT INTO ${schema}.schema_version (version) VALUES (0)`);
    }
    for (const migration of POSTGRES_MIGRATIONS) {
      if (migration.version <= locked) continue;
      for (const statement of migration.statements(schema)) await tx.query(statement);
    }
    await tx.query(`UPDATE ${schema}.schema_version SET version = $1`, [POSTGRES_SCHEMA_VERSION]);
  });
}

/** The recorded schema version; 0 when the schema has not been created. */
async function readVersion(executor: SqlExecutor, schemaName: string): Promise<number> {
  const { rows } = await executor.query('SELECT to_regclass($1) IS NOT NULL AS present', [
    `"${schemaName}".schema_version`,
  ]);
  if (rows[0]?.['present'] !== true) return 0;
  const version = await executor.query(`SELECT version FROM "${schemaName}".schema_version`);
  return Number(version.rows[0]?.['version'] ?? 0);
}
