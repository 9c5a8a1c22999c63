/**
 * CSV export: RFC 4180 (comma-separated, CRLF line ends, fields with a comma, quote, CR or LF quoted, quotes
 * doubled), safe to open in a spreadsheet: a text cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage
 * return gets a leading apostrophe, so it is shown as text and never run as a formula (OWASP "CSV injection").
 * Numbers written by the reports are data, not text, and are written as they are (a negative change stays `-3`).
 */

/** One cell: text is guarded and quoted as needed; numbers are written as they are; `null`/`undefined` are empty. */
export type CsvCell = string | number | boolean | null | undefined;

const FORMULA_START = /^[=+\-@\t\r]/;

/** One cell as CSV text. */
export function csvCell(value: CsvCell): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  const text = FORMULA_START.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** Rows (the header first) as a CSV document, each line ended by CRLF. */
export function toCsv(rows: readonly (readonly CsvCell[])[]): string {
  return rows.map((row) => row.map(csvCell).join(',') + '\r\n').join('');
}
