/** What the lead form says, in the current language: field labels, problems, consent wording, warnings, failures. */
import { CrmErrorCode, type CustomFieldDefinition } from '@crmkit/core';
import { formatCount } from '../internal/format.js';
import type { CrmLocale } from '../internal/localize.js';
import type { DuplicateWarning } from './duplicate-check.js';
import type { CrmLeadCaptureFailedDetail } from './events.js';
import { CONSENT, CUSTOM_PREFIX, type LeadFormIssue } from './fields.js';
import { leadFormMessages as m } from './messages.js';

/** A field's label: the host's own, the built-in one, else a custom field's from its definition. */
export function labelOf(
  field: string,
  own: Readonly<Record<string, string>>,
  definitions: readonly CustomFieldDefinition[] | undefined,
  messagesLocale: CrmLocale,
): string {
  if (own[field]) return own[field];
  switch (field) {
    case 'name':
      return m.fieldName();
    case 'company':
      return m.fieldCompany();
    case 'email':
      return m.fieldEmail();
    case 'phone':
      return m.fieldPhone();
    case 'industry':
      return m.fieldIndustry();
    case 'message':
      return m.fieldMessage();
    case CONSENT:
      return m.consentLabel();
  }
  const key = field.slice(CUSTOM_PREFIX.length);
  const definition = definitions?.find((candidate) => candidate.key === key);
  return definition ? definition.label[messagesLocale] : key;
}

/** What is wrong with a field; a phone number's message says whether `+` is needed (no default country). */
export function problemText(issue: LeadFormIssue, country: string | undefined, locale: string): string {
  switch (issue.kind) {
    case 'required':
      return m.errorRequired();
    case 'email':
      return m.errorEmail();
    case 'phone':
      return country ? m.errorPhone() : m.errorPhoneInternational();
    case 'tooLong':
      return m.errorTooLong(formatCount(issue.max ?? 0, locale));
    case 'consent':
      return m.errorConsent();
    case 'invalid':
      return m.errorInvalid();
  }
}

/** The consent box's wording for a purpose. */
export function consentText(purpose: string): string {
  switch (purpose) {
    case 'marketing_email':
      return m.consentMarketingEmail();
    case 'sms':
      return m.consentSms();
    case 'phone':
      return m.consentPhone();
    case 'profiling':
      return m.consentProfiling();
    case 'data_processing':
      return m.consentDataProcessing();
    default:
      return m.consentOther(purpose);
  }
}

export function duplicateText(warning: DuplicateWarning, locale: string): string {
  const kind =
    warning.kind === 'lead' ? m.kindLead() : warning.kind === 'customer' ? m.kindCustomer() : m.kindContact();
  const sentences = [
    warning.fields.includes('email')
      ? m.duplicateEmail(kind)
      : warning.fields.includes('phone')
        ? m.duplicatePhone(kind)
        : m.duplicateNameCompany(kind),
  ];
  if (warning.name) sentences.push(m.duplicateNamed(warning.name));
  if (warning.count > 1) sentences.push(m.duplicateMore(formatCount(warning.count, locale)));
  if (warning.blocked) sentences.push(m.duplicateBlocked());
  return sentences.join(' ');
}

export function failureText(code: CrmLeadCaptureFailedDetail['code']): string {
  switch (code) {
    case CrmErrorCode.duplicate:
      return m.failedDuplicate();
    case CrmErrorCode.validation:
      return m.failedValidation();
    case CrmErrorCode.permission:
      return m.failedPermission();
    default:
      return m.failedGeneric();
  }
}
