/**
 * De-duplication of leads against leads, customers and contacts: three matching rules, each with a policy.
 *
 * - `email`: an exact (normalised) email address in common; score 1.
 * - `phone`: a normalised (E.164) phone number in common; score 0.95.
 * - `nameCompany`: fuzzy name **and** fuzzy company: both folded (case, accents, punctuation, word order, legal
 *   suffixes such as `Ltd` or `有限公司` dropped) and compared with Jaro–Winkler; both similarities must reach the
 *   rule's threshold; score 0.9 × their mean.
 *
 * A policy says what a match means: `allow` ignores it, `alert` reports it with the result, `block` refuses the write
 * with a `DuplicateError`. Matches name record kinds, ids and field *names* only.
 */
import * as z from 'zod/mini';
import { parseOrThrow } from '../errors/parse.js';
import { normaliseEmail, type PhoneNormaliser } from './normalise.js';

/** What a match under a rule leads to. */
export const duplicatePolicies = ['allow', 'alert', 'block'] as const;
export type DuplicatePolicy = (typeof duplicatePolicies)[number];

/** The matching rules. */
export const dedupeRuleIds = ['email', 'phone', 'nameCompany'] as const;
export type DedupeRuleId = (typeof dedupeRuleIds)[number];

/** The kinds of record a lead is compared with. */
export const dedupeRecordKinds = ['lead', 'customer', 'contact'] as const;
export type DedupeRecordKind = (typeof dedupeRecordKinds)[number];

/** The policy of each rule, and the fuzzy rule's threshold. */
export interface DedupeRules {
  readonly email: { readonly policy: DuplicatePolicy };
  readonly phone: { readonly policy: DuplicatePolicy };
  /** `threshold`: the similarity (0..1) both the name and the company must reach. */
  readonly nameCompany: { readonly policy: DuplicatePolicy; readonly threshold: number };
}

/**
 * The defaults: the same email blocks (an email identifies a person); the same phone number or a similar name at a
 * similar company alerts (switchboards are shared; names are not unique).
 */
export const DEFAULT_DEDUPE_RULES: DedupeRules = /* @__PURE__ */ Object.freeze({
  email: /* @__PURE__ */ Object.freeze({ policy: 'block' as const }),
  phone: /* @__PURE__ */ Object.freeze({ policy: 'alert' as const }),
  nameCompany: /* @__PURE__ */ Object.freeze({ policy: 'alert' as const, threshold: 0.9 }),
});

const policySchema = /* @__PURE__ */ z.enum(duplicatePolicies);

/** The rules as configured: any rule may be left out (its default applies). */
export const dedupeRulesSchema = /* @__PURE__ */ z.strictObject({
  email: /* @__PURE__ */ z.optional(/* @__PURE__ */ z.strictObject({ policy: policySchema })),
  phone: /* @__PURE__ */ z.optional(/* @__PURE__ */ z.strictObject({ policy: policySchema })),
  nameCompany: /* @__PURE__ */ z.optional(
    /* @__PURE__ */ z.strictObject({
      policy: policySchema,
      threshold: /* @__PURE__ */ z.optional(
        /* @__PURE__ */ z.number().check(/* @__PURE__ */ z.gte(0.5), /* @__PURE__ */ z.lte(1)),
      ),
    }),
  ),
});
export type DedupeRulesInput = z.input<typeof dedupeRulesSchema>;

/** Validates configured rules and fills in the defaults. `ValidationError` naming the bad option otherwise. */
export function resolveDedupeRules(input: DedupeRulesInput | undefined): DedupeRules {
  const parsed = parseOrThrow(dedupeRulesSchema, input ?? {}, 'dedupe rules');
  return {
    email: parsed.email ?? DEFAULT_DEDUPE_RULES.email,
    phone: parsed.phone ?? DEFAULT_DEDUPE_RULES.phone,
    nameCompany: {
      policy: parsed.nameCompany?.policy ?? DEFAULT_DEDUPE_RULES.nameCompany.policy,
      threshold: parsed.nameCompany?.threshold ?? DEFAULT_DEDUPE_RULES.nameCompany.threshold,
    },
  };
}

/** The data a rule compares: a person's name, their company, normalised emails and E.164 phone numbers. */
export interface DedupeSubject {
  readonly name?: string;
  readonly company?: string;
  readonly emails: readonly string[];
  readonly phones: readonly string[];
}

/** An existing record to compare with. */
export interface DedupeRecord extends DedupeSubject {
  readonly kind: DedupeRecordKind;
  readonly id: string;
}

/** How one rule matched. */
export interface RuleMatch {
  readonly rule: DedupeRuleId;
  /** 0..1, rounded to three decimals. */
  readonly score: number;
  /** The subject's field names that matched, e.g. `['name', 'company']`. */
  readonly fields: readonly string[];
  readonly policy: DuplicatePolicy;
}

/** An existing record the subject duplicates, with every rule that matched it. */
export interface DuplicateMatch {
  readonly kind: DedupeRecordKind;
  readonly id: string;
  /** The strongest rule's score. */
  readonly score: number;
  /** The field names that matched under any rule, sorted. */
  readonly fields: readonly string[];
  /** The strictest policy among the matching rules (`block` over `alert`). */
  readonly policy: Exclude<DuplicatePolicy, 'allow'>;
  readonly rules: readonly RuleMatch[];
}

const LEGAL_SUFFIX_WORDS: ReadonlySet<string> = new Set([
  'ltd',
  'limited',
  'inc',
  'incorporated',
  'llc',
  'llp',
  'plc',
  'gmbh',
  'ag',
  'sa',
  'sarl',
  'bv',
  'nv',
  'co',
  'corp',
  'corporation',
  'company',
  'pte',
  'pty',
  'kk',
]);

/** Chinese legal-form endings, longest first. */
const CJK_LEGAL_SUFFIXES = ['股份有限公司', '有限责任公司', '有限公司', '集团公司', '集团', '公司'] as const;

/** The longest Chinese legal-form ending of `text`, if any. */
function cjkLegalEnding(text: string): string | undefined {
  return CJK_LEGAL_SUFFIXES.find((suffix) => text.endsWith(suffix));
}

/** Case, accents, punctuation and spacing folded away; the words sorted, so word order does not matter. */
function fold(value: string): string[] {
  return value
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim()
    .split(' ')
    .filter((word) => word !== '')
    .sort();
}

/** The comparison key of a person's name: folded words in sorted order, e.g. `Lovelace, Ada` → `ada lovelace`. */
export function nameKey(name: string): string {
  return fold(name).join(' ');
}

/**
 * The comparison key of a company name: folded like {@link nameKey}, with legal forms dropped (`Acme Ltd.` and
 * `ACME` compare equal; so do `华为技术有限公司` and `华为技术`). A name that is nothing but a legal form keeps it.
 */
export function companyKey(company: string): string {
  let text = company.normalize('NFKC').trim();
  // Drop the longest legal ending, then look again from the longest: `…有限公司集团` loses `集团`, then `有限公司`
  // (not just `公司`). A text that is its own longest ending is a legal form only and is kept.
  for (let suffix = cjkLegalEnding(text); suffix !== undefined && text.length > suffix.length;) {
    text = text.slice(0, -suffix.length).trim();
    suffix = cjkLegalEnding(text);
  }
  const words = fold(text);
  const kept = words.filter((word) => !LEGAL_SUFFIX_WORDS.has(word));
  return (kept.length > 0 ? kept : words).join(' ');
}

/**
 * Jaro–Winkler similarity of two strings by code point: 1 for equal strings, 0 when nothing matches. Deterministic
 * and locale-independent.
 */
export function jaroWinkler(a: string, b: string): number {
  if (a === b) return 1;
  const s = Array.from(a);
  const t = Array.from(b);
  if (s.length === 0 || t.length === 0) return 0;
  const window = Math.max(0, Math.floor(Math.max(s.length, t.length) / 2) - 1);
  const sMatched = new Array<boolean>(s.length).fill(false);
  const tMatched = new Array<boolean>(t.length).fill(false);
  let matches = 0;
  for (let i = 0; i < s.length; i++) {
    const from = Math.max(0, i - window);
    const to = Math.min(t.length - 1, i + window);
    for (let j = from; j <= to; j++) {
      if (tMatched[j] || s[i] !== t[j]) continue;
      sMatched[i] = tMatched[j] = true;
      matches++;
      break;
    }
  }
  if (matches === 0) return 0;
  let transpositions = 0;
  for (let i = 0, j = 0; i < s.length; i++) {
    if (!sMatched[i]) continue;
    while (!tMatched[j]) j++;
    if (s[i] !== t[j]) transpositions++;
    j++;
  }
  const jaro = (matches / s.length + matches / t.length + (matches - transpositions / 2) / matches) / 3;
  let prefix = 0;
  while (prefix < 4 && prefix < s.length && prefix < t.length && s[prefix] === t[prefix]) prefix++;
  return jaro + prefix * 0.1 * (1 - jaro);
}

const round3 = (value: number): number => Math.round(value * 1000) / 1000;

const POLICY_RANK: Readonly<Record<DuplicatePolicy, number>> = { allow: 0, alert: 1, block: 2 };

/** Keys of a subject computed once per comparison run. */
interface SubjectKeys {
  readonly emails: ReadonlySet<string>;
  readonly phones: ReadonlySet<string>;
  readonly name?: string;
  readonly company?: string;
}

function keysOf(subject: DedupeSubject): SubjectKeys {
  return {
    emails: new Set(subject.emails.map(normaliseEmail).filter((email) => email !== '')),
    phones: new Set(subject.phones.filter((phone) => phone !== '')),
    ...(subject.name && nameKey(subject.name) ? { name: nameKey(subject.name) } : {}),
    ...(subject.company && companyKey(subject.company) ? { company: companyKey(subject.company) } : {}),
  };
}

/** How `subject` matches one record under each rule whose policy is not `allow`. */
function ruleMatches(subject: SubjectKeys, record: SubjectKeys, rules: DedupeRules): RuleMatch[] {
  const found: RuleMatch[] = [];
  if (rules.email.policy !== 'allow' && [...subject.emails].some((email) => record.emails.has(email))) {
    found.push({ rule: 'email', score: 1, fields: ['email'], policy: rules.email.policy });
  }
  if (rules.phone.policy !== 'allow' && [...subject.phones].some((phone) => record.phones.has(phone))) {
    found.push({ rule: 'phone', score: 0.95, fields: ['phone'], policy: rules.phone.policy });
  }
  const fuzzy = rules.nameCompany;
  if (fuzzy.policy !== 'allow' && subject.name && subject.company && record.name && record.company) {
    const nameSimilarity = jaroWinkler(subject.name, record.name);
    if (nameSimilarity >= fuzzy.threshold) {
      const companySimilarity = jaroWinkler(subject.company, record.company);
      if (companySimilarity >= fuzzy.threshold) {
        const score = round3(0.9 * ((nameSimilarity + companySimilarity) / 2));
        found.push({ rule: 'nameCompany', score, fields: ['company', 'name'], policy: fuzzy.policy });
      }
    }
  }
  return found;
}

/** Options of {@link findDuplicateMatches}. */
export interface FindDuplicatesOptions {
  /** A record never matches itself: leave out this kind and id (e.g. the lead being checked). */
  readonly exclude?: { readonly kind: DedupeRecordKind; readonly id: string };
}

/**
 * The records `subject` duplicates under `rules` (rules with policy `allow` are not evaluated), strongest first, then
 * by kind and id. The subject's emails must be normalised and its phones in E.164 (see {@link toDedupeRecord}).
 */
export function findDuplicateMatches(
  subject: DedupeSubject,
  records: Iterable<DedupeRecord>,
  rules: DedupeRules = DEFAULT_DEDUPE_RULES,
  options: FindDuplicatesOptions = {},
): DuplicateMatch[] {
  const keys = keysOf(subject);
  const matches: DuplicateMatch[] = [];
  for (const record of records) {
    if (options.exclude && options.exclude.kind === record.kind && options.exclude.id === record.id) continue;
    const found = ruleMatches(keys, keysOf(record), rules);
    if (found.length === 0) continue;
    const strictest = found.reduce((a, b) => (POLICY_RANK[b.policy] > POLICY_RANK[a.policy] ? b : a));
    matches.push({
      kind: record.kind,
      id: record.id,
      score: Math.max(...found.map((match) => match.score)),
      fields: [...new Set(found.flatMap((match) => match.fields))].sort(),
      policy: strictest.policy as Exclude<DuplicatePolicy, 'allow'>,
      rules: found,
    });
  }
  return matches.sort(
    (a, b) =>
      b.score - a.score || (a.kind < b.kind ? -1 : a.kind > b.kind ? 1 : 0) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
  );
}

/** Splits matches by policy: what blocks a write, and what is reported with its result. */
export function partitionMatches(matches: readonly DuplicateMatch[]): {
  readonly block: DuplicateMatch[];
  readonly alert: DuplicateMatch[];
} {
  return {
    block: matches.filter((match) => match.policy === 'block'),
    alert: matches.filter((match) => match.policy === 'alert'),
  };
}

/** Fields of a stored lead, customer or contact that matching reads. */
export interface DedupeSource {
  readonly id: string;
  readonly name?: string;
  readonly company?: string;
  readonly email?: string;
  readonly emails?: readonly string[];
  readonly phone?: string;
  readonly phones?: readonly string[];
  readonly country?: string;
}

/**
 * A stored record as {@link findDuplicateMatches} compares it: emails normalised; phones through
 * `options.normalisePhone` (in the record's `country` or else `defaultRegion`) when they parse, else as their digits
 * and `+`, so stored numbers in loose formats still match. Without `normalisePhone` every phone is compared as its
 * digits and `+`, which matches numbers stored in E.164 (as the CRM stores them) but not a national number with an
 * international one: pass `normalisePhoneE164` from `@crmkit/core/phone` (or the one `loadPhoneNormaliser()` resolves
 * to) for that. `company` is the person's employer; for a contact, pass its organisation's name.
 */
export function toDedupeRecord(
  kind: DedupeRecordKind,
  source: DedupeSource,
  options: { readonly defaultRegion?: string; readonly normalisePhone?: PhoneNormaliser } = {},
): DedupeRecord {
  const normalise = options.normalisePhone ?? (() => undefined);
  const region = source.country ?? options.defaultRegion;
  const rawPhones = [...(source.phone === undefined ? [] : [source.phone]), ...(source.phones ?? [])];
  const rawEmails = [...(source.email === undefined ? [] : [source.email]), ...(source.emails ?? [])];
  return {
    kind,
    id: source.id,
    ...(source.name === undefined ? {} : { name: source.name }),
    ...(source.company === undefined ? {} : { company: source.company }),
    emails: rawEmails.map(normaliseEmail),
    phones: rawPhones.map((phone) => normalise(phone, region) ?? phone.replace(/[^\d+]/g, '')),
  };
}
