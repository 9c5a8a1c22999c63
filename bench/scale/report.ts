/**
 * The scale benchmark's report, the same for both runners: per operation the median (min–max) at each size, the
 * growth from each size to the next, and the targets with a verdict (PASS or over; never a failure of the process);
 * the whole-collection operations against their pure functions; and `view360`'s storage calls per size.
 */
import { VIEW360_MAX_QUERIES } from '@crmkit/core';
import type { BenchCheck, BenchTable } from '../harness/page.js';
import { median } from '../harness/shared.js';
import type { OperationResult } from './measure.js';

/** One size's run, as a runner hands it to the report. */
export interface SizeRun {
  readonly customers: number;
  /** Present when the size was not run at all (memory, quota, time), with the reason. */
  readonly skipped?: string;
  readonly activitiesPerCustomer?: number;
  readonly records?: number;
  readonly loadMs?: number;
  /** Anything the reader should know about this size (a lowered activity count, say). */
  readonly note?: string;
  readonly results: readonly OperationResult[];
}

/** Paged, indexed and single-record operations: at most this growth from the smallest size to the largest. */
export const BOUNDED_GROWTH = 1.5;
/** Whole-collection operations: at most this growth per 10× customers… */
export const WHOLE_GROWTH_PER_10X = 12;
/** …and at most this many times their pure function over arrays already in memory. */
export const REFERENCE_RATIO = 2;

/** `10k`, `100k`, `1M`. */
export function sizeLabel(customers: number): string {
  if (customers >= 1_000_000 && customers % 100_000 === 0) return `${customers / 1_000_000}M`;
  if (customers >= 1000 && customers % 1000 === 0) return `${customers / 1000}k`;
  return customers.toLocaleString('en-US');
}

function ms(value: number): string {
  return value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(2);
}

function cell(samples: readonly number[] | undefined): string {
  if (!samples || samples.length === 0) return '—';
  return `${ms(median(samples))} (${ms(Math.min(...samples))}–${ms(Math.max(...samples))}) ×${samples.length}`;
}

const times = (value: number) => `×${value >= 10 ? value.toFixed(0) : value.toFixed(2)}`;

interface Row {
  readonly name: string;
  readonly kind: OperationResult['kind'] | 'background';
  readonly perSize: (readonly number[] | undefined)[];
  readonly skipped: (string | undefined)[];
  /** The pure function's samples at each size, for a whole-collection operation that has one. */
  readonly pure?: (readonly number[] | undefined)[];
}

function rowsOf(runs: readonly SizeRun[]): Row[] {
  const names: string[] = [];
  for (const run of runs) for (const result of run.results) if (!names.includes(result.name)) names.push(result.name);
  const rows: Row[] = [];
  for (const name of names) {
    const results = runs.map((run) => run.results.find((result) => result.name === name));
    const kind = results.find((result) => result)!.kind;
    rows.push({
      name,
      kind,
      perSize: results.map((result) => (result && result.samples.length > 0 ? result.samples : undefined)),
      skipped: results.map((result, i) => runs[i]!.skipped ?? result?.skipped),
      pure: results.map((result) =>
        result?.reference && result.reference.samples.length > 0 ? result.reference.samples : undefined,
      ),
    });
    if (results.some((result) => result?.settled)) {
      rows.push({
        name: `${name} + its background work, until crm.settled()`,
        kind: 'background',
        perSize: results.map((result) => (result?.settled && result.settled.length > 0 ? result.settled : undefined)),
        skipped: results.map((result, i) => runs[i]!.skipped ?? result?.skipped),
      });
    }
  }
  return rows;
}

/** Growth between consecutive measured sizes, and the target verdict of a row. */
function growth(row: Row, sizes: readonly number[]): { steps: string[]; target: string; verdict: string } {
  const measured = sizes
    .map((size, i) => [size, row.perSize[i] ? median(row.perSize[i]!) : undefined] as const)
    .filter((entry): entry is readonly [number, number] => entry[1] !== undefined);
  const steps = sizes.slice(1).map((size, i) => {
    const a = row.perSize[i];
    const b = row.perSize[i + 1];
    return a && b ? times(median(b) / median(a)) : '—';
  });
  const missing = sizes.filter((_, i) => !row.perSize[i]).map(sizeLabel);
  const partial = missing.length > 0 ? ` (not measured at ${missing.join(', ')})` : '';
  if (row.kind === 'background') return { steps, target: 'reported only', verdict: '' };
  if (measured.length < 2) return { steps, target: targetOf(row.kind), verdict: `—${partial}` };
  if (row.kind === 'bounded') {
    const [firstSize, firstMs] = measured[0]!;
    const [lastSize, lastMs] = measured[measured.length - 1]!;
    const overall = lastMs / firstMs;
    const span = `${sizeLabel(firstSize)}→${sizeLabel(lastSize)} ${times(overall)}`;
    return {
      steps,
      target: targetOf(row.kind),
      verdict: `${overall <= BOUNDED_GROWTH ? 'PASS' : 'over'}: ${span}${partial}`,
    };
  }
  const worst = worstPer10x(sizes, row.perSize) as number;
  // The same computation over arrays already in memory, in the same rounds: growth beyond linear that it shows too
  // comes from the machine (caches, garbage collection over a larger heap), not from how crmkit reads.
  const pure = row.pure ? worstPer10x(sizes, row.pure) : undefined;
  return {
    steps,
    target: targetOf(row.kind),
    verdict:
      `${worst <= WHOLE_GROWTH_PER_10X ? 'PASS' : 'over'}: worst ${times(worst)} per 10×` +
      `${pure === undefined ? '' : ` (its pure function ${times(pure)})`}${partial}`,
  };
}

/** The worst growth per 10× between consecutive sizes measured; undefined with fewer than two. */
function worstPer10x(
  sizes: readonly number[],
  perSize: readonly (readonly number[] | undefined)[],
): number | undefined {
  const measured = sizes
    .map((size, i) => [size, perSize[i] ? median(perSize[i]!) : undefined] as const)
    .filter((entry): entry is readonly [number, number] => entry[1] !== undefined);
  if (measured.length < 2) return undefined;
  let worst = 0;
  for (let i = 1; i < measured.length; i++) {
    const [sizeA, msA] = measured[i - 1]!;
    const [sizeB, msB] = measured[i]!;
    worst = Math.max(worst, (msB / msA) ** (1 / Math.log10(sizeB / sizeA)));
  }
  return worst;
}

function targetOf(kind: Row['kind']): string {
  return kind === 'bounded'
    ? `≤ ×${BOUNDED_GROWTH} smallest→largest`
    : kind === 'whole'
      ? `≤ ×${WHOLE_GROWTH_PER_10X} per 10×, ≤ ${REFERENCE_RATIO}× pure`
      : 'reported only';
}

/** The report's tables and checks for the sizes run. */
export function scaleTables(runs: readonly SizeRun[]): { tables: BenchTable[]; checks: BenchCheck[] } {
  const sizes = runs.map((run) => run.customers);
  const labels = sizes.map(sizeLabel);
  const rows = rowsOf(runs);

  const operationTable: BenchTable = {
    caption:
      'Operations: median ms (min–max) ×samples at each size; growth from each size to the next; target and verdict',
    columns: [
      { label: 'operation' },
      ...labels.map((label) => ({ label, align: 'right' as const })),
      ...labels.slice(1).map((label, i) => ({ label: `${labels[i]}→${label}`, align: 'right' as const })),
      { label: 'target' },
      { label: 'verdict' },
    ],
    rows: rows.map((row) => {
      const { steps, target, verdict } = growth(row, sizes);
      const cells = row.perSize.map((samples, i) =>
        samples ? cell(samples) : row.skipped[i] ? (runs[i]!.skipped ? 'size skipped' : 'not measured ¹') : '—',
      );
      return [row.name, ...cells, ...steps, target, verdict];
    }),
  };

  const referenceRows: string[][] = [];
  for (const row of rows.filter((candidate) => candidate.kind === 'whole')) {
    runs.forEach((run, i) => {
      const result = run.results.find((candidate) => candidate.name === row.name);
      if (!result?.reference || result.samples.length === 0 || result.reference.samples.length === 0) return;
      const service = median(result.samples);
      const pure = median(result.reference.samples);
      const ratio = service / pure;
      referenceRows.push([
        row.name,
        labels[i]!,
        ms(service),
        `${ms(pure)} (${result.reference.name})`,
        `${ratio.toFixed(2)}×`,
        ratio <= REFERENCE_RATIO ? 'PASS' : 'over',
      ]);
    });
  }
  const referenceTable: BenchTable = {
    caption: `Whole-collection operations against the same pure function over arrays already in memory (target ≤ ${REFERENCE_RATIO}×)`,
    columns: [
      { label: 'operation' },
      { label: 'customers', align: 'right' },
      { label: 'crmkit ms', align: 'right' },
      { label: 'pure function ms' },
      { label: '× pure', align: 'right' },
      { label: 'verdict' },
    ],
    rows: referenceRows,
  };

  const callRows: string[][] = [];
  const totals: number[] = [];
  runs.forEach((run, i) => {
    for (const result of run.results) {
      if (!result.calls) continue;
      const total = Object.values(result.calls).reduce((sum, count) => sum + count, 0);
      totals.push(total);
      const byMethod = Object.entries(result.calls)
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([method, count]) => `${method} ${count}`)
        .join(', ');
      callRows.push([result.name, labels[i]!, String(total), byMethod]);
    }
  });
  const bounded = totals.length > 0 && totals.every((total) => total === totals[0] && total <= VIEW360_MAX_QUERIES);
  const callTable: BenchTable = {
    caption:
      `Storage calls of one view360, per size (must stay bounded: the same at every size, at most ` +
      `VIEW360_MAX_QUERIES = ${VIEW360_MAX_QUERIES}): ${totals.length === 0 ? '—' : bounded ? 'PASS' : 'over'}`,
    columns: [
      { label: 'operation' },
      { label: 'customers', align: 'right' },
      { label: 'calls', align: 'right' },
      { label: 'by method' },
    ],
    rows: callRows,
  };

  const readNames: string[] = [];
  for (const run of runs) {
    for (const result of run.results) {
      if (result.recordsRead !== undefined && !readNames.includes(result.name)) readNames.push(result.name);
    }
  }
  const readsOf = (run: SizeRun, name: string) => run.results.find((result) => result.name === name)?.recordsRead;
  const readTable: BenchTable = {
    caption:
      'Records read by one call and its background work (memory adapter, counted by its onRead): a bounded ' +
      "operation's count does not grow with the CRM, whatever the machine's load",
    columns: [
      { label: 'operation' },
      ...labels.map((label) => ({ label, align: 'right' as const })),
      { label: 'growth', align: 'right' },
    ],
    rows: readNames.map((name) => {
      const counts = runs.map((run) => readsOf(run, name));
      const first = counts[0];
      const last = counts[counts.length - 1];
      const growth =
        first === undefined || last === undefined
          ? '—'
          : first === 0
            ? last === 0
              ? 'same'
              : '—'
            : `×${(last / first).toFixed(2)}`;
      return [name, ...counts.map((count) => (count === undefined ? '—' : String(count))), growth];
    }),
  };

  const firstNames: string[] = [];
  for (const run of runs) {
    for (const result of run.results) {
      if (result.firstMs !== undefined && !firstNames.includes(result.name)) firstNames.push(result.name);
    }
  }
  const firstTable: BenchTable = {
    caption:
      'First call of each operation, ms (the warm-up: not in the medians unless the operation is slow throughout; ' +
      'anything done once on first use shows here)',
    columns: [{ label: 'operation' }, ...labels.map((label) => ({ label, align: 'right' as const }))],
    rows: firstNames.map((name) => [
      name,
      ...runs.map((run) => {
        const first = run.results.find((result) => result.name === name)?.firstMs;
        return first === undefined ? '—' : ms(first);
      }),
    ]),
  };

  const skippedRows: string[][] = [];
  runs.forEach((run, i) => {
    if (run.skipped) return;
    for (const result of run.results) if (result.skipped) skippedRows.push([result.name, labels[i]!, result.skipped]);
  });
  const skippedTable: BenchTable = {
    caption: '¹ Operations not measured at a size, and why',
    columns: [{ label: 'operation' }, { label: 'customers', align: 'right' }, { label: 'reason' }],
    rows: skippedRows,
  };

  const checks: BenchCheck[] = [];
  runs.forEach((run, i) => {
    if (run.skipped) return;
    const failed = run.results.filter((result) => result.failures.length > 0);
    checks.push({
      name: `${labels[i]}: every operation answered as the generated data says`,
      ok: failed.length === 0,
      detail: failed.map((result) => `${result.name}: ${result.failures.join('; ')}`).join(' | '),
    });
  });
  const dataTable: BenchTable = {
    caption: 'Data per size (loading is not timed; its time is shown for information)',
    columns: [
      { label: 'customers', align: 'right' },
      { label: 'records, all collections', align: 'right' },
      { label: 'activities per customer', align: 'right' },
      { label: 'load + index s', align: 'right' },
      { label: 'note' },
    ],
    rows: runs.map((run) => [
      run.customers.toLocaleString('en-US'),
      run.records === undefined ? '—' : run.records.toLocaleString('en-US'),
      run.activitiesPerCustomer === undefined ? '—' : String(run.activitiesPerCustomer),
      run.loadMs === undefined ? '—' : (run.loadMs / 1000).toFixed(1),
      run.skipped ?? run.note ?? '',
    ]),
  };
  const tables = [dataTable, operationTable, ...(skippedRows.length > 0 ? [skippedTable] : []), referenceTable];
  return { tables: [...tables, callTable, ...(readNames.length > 0 ? [readTable] : []), firstTable], checks };
}

/** One table as GitHub markdown, padded to be readable as plain text (as run-browser-bench.mjs prints them). */
export function markdownTable(table: BenchTable): string {
  const widths = table.columns.map((column, index) =>
    Math.max(3, column.label.length, ...table.rows.map((row) => (row[index] ?? '').length)),
  );
  const pad = (text: string, index: number) =>
    table.columns[index]!.align === 'right' ? text.padStart(widths[index]!) : text.padEnd(widths[index]!);
  const line = (cells: readonly string[]) => `| ${cells.map(pad).join(' | ')} |`;
  const rule = `| ${widths
    .map((width, index) => (table.columns[index]!.align === 'right' ? `${'-'.repeat(width - 1)}:` : '-'.repeat(width)))
    .join(' | ')} |`;
  return [line(table.columns.map((column) => column.label)), rule, ...table.rows.map(line)].join('\n');
}
