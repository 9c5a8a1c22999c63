// The contact form's script: posts what the visitor typed as JSON to the CRM's public web-to-lead endpoint (the
// form's action) and shows the answer in place. No framework, no markup from strings (text only, so it runs under a
// strict Content Security Policy with Trusted Types), no inline script or style.
//
// What the endpoint answers (packages/server/src/web-to-lead.ts):
// - 202 { receipt }: accepted. The same answer for a captured lead, one refused as a duplicate and a bot's post that
//   filled the honeypot, so the page cannot tell them apart either: it thanks the visitor.
// - 400 problem+json with issues [{ path: [field, …], message }]: each issue names a field of the form.
// - 429 with Retry-After (seconds): too many posts of this form from this address.
// - 403 (this page's origin is not among the form's allowedOrigins), 413 (too large), 415, 5xx: the page says so.
import { initialLocale, STRINGS, type FieldName, type Locale, type Strings, type TextKey } from './strings.js';

/** The lead fields this form sends, as web-to-lead.ts names them; the form on the server must take each. */
const LEAD_FIELDS = ['name', 'company', 'email', 'phone', 'message', 'language'] as const;
/** The fields a problem can be shown on: the inputs, and the consent checkbox. */
const SHOWN_FIELDS: readonly FieldName[] = ['name', 'company', 'email', 'phone', 'message', 'consent'];
/** The field bots fill and people never see: the server's `honeypotField`. */
const HONEYPOT = 'website';

/** What the page shows besides the form: nothing yet, field problems, or a problem with the whole post. */
type Shown =
  | { readonly kind: 'none' }
  | { readonly kind: 'fields'; readonly fields: readonly FieldName[] }
  | { readonly kind: 'rateLimited'; readonly seconds: number }
  | { readonly kind: 'message'; readonly key: 'tooLarge' | 'offline' | 'failed' };

function byId<T extends HTMLElement>(id: string): T {
  const element = document.getElementById(id);
  if (!element) throw new Error(`#${id} is missing from the page`);
  return element as T;
}

const form = byId<HTMLFormElement>('contact-form');
const alertBox = byId<HTMLDivElement>('form-alert');
const sendButton = byId<HTMLButtonElement>('send');
const sendingStatus = byId<HTMLParagraphElement>('sending');
const thanks = byId<HTMLDivElement>('thanks');
const receipt = byId<HTMLElement>('receipt');
const languageSelect = byId<HTMLSelectElement>('language');
const languageField = byId<HTMLInputElement>('lead-language');

let locale: Locale = initialLocale(location.search, navigator.languages);
let shown: Shown = { kind: 'none' };
let sending = false;

/** The control a field's problem is shown on (the required consent's checkbox for `consent`). */
function control(field: FieldName): HTMLInputElement | HTMLTextAreaElement {
  return byId(field === 'consent' ? 'consent-contact' : field);
}

/** Writes the page in `locale`: every `data-i18n` text, the title, the language, and what is shown now. */
function translate(): void {
  const strings = STRINGS[locale];
  document.documentElement.lang = locale;
  document.title = strings.docTitle;
  for (const element of document.querySelectorAll<HTMLElement>('[data-i18n]')) {
    element.textContent = strings[element.dataset['i18n'] as TextKey];
  }
  languageSelect.value = locale;
  languageField.value = locale;
  if (sending) sendingStatus.textContent = strings.sending;
  render(strings);
}

/** Shows `shown`: each field's problem beside it (and `aria-invalid`), or one message for the whole post. */
function render(strings: Strings): void {
  const fields = shown.kind === 'fields' ? shown.fields : [];
  for (const field of SHOWN_FIELDS) {
    const invalid = fields.includes(field);
    const error = byId<HTMLParagraphElement>(`${field}-error`);
    error.textContent = invalid ? strings.fieldProblems[field] : '';
    error.hidden = !invalid;
    if (invalid) control(field).setAttribute('aria-invalid', 'true');
    else control(field).removeAttribute('aria-invalid');
  }
  let message = '';
  if (shown.kind === 'fields') message = strings.problemsTitle(shown.fields.length);
  else if (shown.kind === 'rateLimited') message = strings.rateLimited(waitText(strings, shown.seconds));
  else if (shown.kind === 'message') message = strings[shown.key];
  alertBox.textContent = message;
  alertBox.hidden = message === '';
}

function waitText(strings: Strings, seconds: number): string {
  return seconds < 60 ? strings.inSeconds(seconds) : strings.inMinutes(Math.ceil(seconds / 60));
}

/** Shows `next` and moves focus to where the visitor should look: the first field to fix, or the message. */
function show(next: Shown): void {
  shown = next;
  render(STRINGS[locale]);
  if (next.kind === 'fields') control(next.fields[0]!).focus();
  else if (next.kind !== 'none') alertBox.focus();
}

/** The fields the browser itself can tell are wrong (required, an e-mail's form, lengths), in the form's order. */
function browserProblems(): FieldName[] {
  return SHOWN_FIELDS.filter((field) => !control(field).validity.valid);
}

/** The JSON body: the lead's fields (blank ones left out), the consents ticked, and the honeypot as it is. */
function body(): Record<string, unknown> {
  const data = new FormData(form);
  const fields: Record<string, unknown> = {};
  for (const name of LEAD_FIELDS) {
    const value = data.get(name);
    if (typeof value === 'string' && value.trim() !== '') fields[name] = value;
  }
  fields['consent'] = data.getAll('consent').filter((value) => typeof value === 'string');
  // Sent even when filled: a bot that fills every input and lets this script post is refused silently by the server.
  const bait = data.get(HONEYPOT);
  if (typeof bait === 'string' && bait !== '') fields[HONEYPOT] = bait;
  return fields;
}

/** The fields a 400's issues name, in the form's order; `undefined` when one names none the page shows. */
function issueFields(problem: unknown): FieldName[] | undefined {
  const issues = (problem as { issues?: unknown } | null)?.issues;
  if (!Array.isArray(issues) || issues.length === 0) return undefined;
  const named = new Set<string>();
  for (const issue of issues as { path?: unknown }[]) {
    const first = Array.isArray(issue.path) ? issue.path[0] : undefined;
    if (typeof first !== 'string' || !(SHOWN_FIELDS as readonly string[]).includes(first)) return undefined;
    named.add(first);
  }
  return SHOWN_FIELDS.filter((field) => named.has(field));
}

async function readJson(response: Response): Promise<unknown> {
  try {
    return (await response.json()) as unknown;
  } catch {
    return undefined;
  }
}

/** Posts the form and shows what came back. */
async function send(): Promise<void> {
  let response: Response;
  try {
    response = await fetch(form.action, {
      method: 'POST',
      // A JSON post is a CORS request with a preflight: the endpoint answers OPTIONS for the form's own origins.
      headers: { 'content-type': 'application/json', accept: 'application/json, application/problem+json' },
      body: JSON.stringify(body()),
      // The endpoint reads no cookie and never allows credentials.
      credentials: 'omit',
      mode: 'cors',
    });
  } catch {
    show({ kind: 'message', key: 'offline' });
    return;
  }
  const answer = await readJson(response);
  if (response.status === 202) {
    const id = (answer as { receipt?: unknown } | undefined)?.receipt;
    receipt.textContent = typeof id === 'string' ? id : '';
    show({ kind: 'none' });
    form.hidden = true;
    thanks.hidden = false;
    thanks.focus();
    return;
  }
  if (response.status === 400) {
    const fields = issueFields(answer);
    show(fields ? { kind: 'fields', fields } : { kind: 'message', key: 'failed' });
    return;
  }
  if (response.status === 429) {
    const seconds = Number(response.headers.get('retry-after'));
    show({ kind: 'rateLimited', seconds: Number.isInteger(seconds) && seconds > 0 ? seconds : 60 });
    return;
  }
  show({ kind: 'message', key: response.status === 413 ? 'tooLarge' : 'failed' });
}

form.addEventListener('submit', (event) => {
  event.preventDefault();
  if (sending) return;
  const problems = browserProblems();
  if (problems.length > 0) {
    show({ kind: 'fields', fields: problems });
    return;
  }
  sending = true;
  sendButton.disabled = true;
  form.setAttribute('aria-busy', 'true');
  sendingStatus.textContent = STRINGS[locale].sending;
  void send().finally(() => {
    sending = false;
    sendButton.disabled = false;
    form.removeAttribute('aria-busy');
    sendingStatus.textContent = '';
  });
});

languageSelect.addEventListener('change', () => {
  locale = languageSelect.value === 'zh-CN' ? 'zh-CN' : 'en';
  translate();
});

// The script checks the fields itself, so its messages are in the page's language rather than the browser's.
form.noValidate = true;
translate();
