import { msg, str } from '@lit/localize';

/**
 * The lead form's strings (ids `crm.leadForm.*`); translations live in `src/locales/`. Validation messages name the
 * kind of problem, never the value typed, and never repeat zod's own wording.
 */
export const leadFormMessages = {
  fieldName: (): string => msg('Name', { id: 'crm.leadForm.field.name' }),
  fieldCompany: (): string => msg('Company', { id: 'crm.leadForm.field.company' }),
  fieldEmail: (): string => msg('Email', { id: 'crm.leadForm.field.email' }),
  fieldPhone: (): string => msg('Phone', { id: 'crm.leadForm.field.phone' }),
  fieldIndustry: (): string => msg('Industry', { id: 'crm.leadForm.field.industry' }),
  fieldMessage: (): string => msg('Message', { id: 'crm.leadForm.field.message' }),
  requiredNote: (): string => msg('Fields marked * are required.', { id: 'crm.leadForm.required-note' }),
  phoneHint: (): string => msg('Include the country code, starting with +.', { id: 'crm.leadForm.phone-hint' }),
  phoneChecking: (): string => msg('Checking the phone number…', { id: 'crm.leadForm.phone-checking' }),

  consentMarketingEmail: (): string =>
    msg('I agree to receive marketing emails.', { id: 'crm.leadForm.consent.marketing-email' }),
  consentSms: (): string => msg('I agree to receive text messages.', { id: 'crm.leadForm.consent.sms' }),
  consentPhone: (): string => msg('I agree to be contacted by phone.', { id: 'crm.leadForm.consent.phone' }),
  consentProfiling: (): string =>
    msg('I agree to my data being used to tailor offers to me.', { id: 'crm.leadForm.consent.profiling' }),
  consentDataProcessing: (): string =>
    msg('I agree to the processing of my data.', { id: 'crm.leadForm.consent.data-processing' }),
  consentOther: (purpose: string): string =>
    msg(str`I agree to the processing of my data for: ${purpose}.`, { id: 'crm.leadForm.consent.other' }),

  submit: (): string => msg('Send', { id: 'crm.leadForm.submit' }),
  submitting: (): string => msg('Sending…', { id: 'crm.leadForm.submitting' }),
  success: (): string => msg('Thank you. Your details have been sent.', { id: 'crm.leadForm.success' }),

  errorRequired: (): string => msg('This field is required.', { id: 'crm.leadForm.error.required' }),
  errorEmail: (): string =>
    msg('Enter a valid email address, like name@example.com.', { id: 'crm.leadForm.error.email' }),
  errorPhone: (): string => msg('Enter a valid phone number.', { id: 'crm.leadForm.error.phone' }),
  errorPhoneInternational: (): string =>
    msg('Enter a valid phone number starting with + and the country code.', {
      id: 'crm.leadForm.error.phone-international',
    }),
  errorTooLong: (max: string): string =>
    msg(str`Use at most ${max} characters.`, { id: 'crm.leadForm.error.too-long' }),
  errorInvalid: (): string => msg('This value is not accepted.', { id: 'crm.leadForm.error.invalid' }),
  errorConsent: (): string => msg('Tick the box to give your consent.', { id: 'crm.leadForm.error.consent' }),
  consentLabel: (): string => msg('Consent', { id: 'crm.leadForm.consent-label' }),

  summaryOne: (): string => msg('There is a problem with your details', { id: 'crm.leadForm.summary-one' }),
  summaryMany: (count: string): string =>
    msg(str`There are ${count} problems with your details`, { id: 'crm.leadForm.summary-many' }),
  summaryItem: (label: string, problem: string): string =>
    msg(str`${label}: ${problem}`, { id: 'crm.leadForm.summary-item' }),

  kindLead: (): string => msg('lead', { id: 'crm.leadForm.kind.lead' }),
  kindCustomer: (): string => msg('customer', { id: 'crm.leadForm.kind.customer' }),
  kindContact: (): string => msg('contact', { id: 'crm.leadForm.kind.contact' }),
  duplicateEmail: (kind: string): string =>
    msg(str`A ${kind} with this email address already exists.`, { id: 'crm.leadForm.duplicate.email' }),
  duplicatePhone: (kind: string): string =>
    msg(str`A ${kind} with this phone number already exists.`, { id: 'crm.leadForm.duplicate.phone' }),
  duplicateNameCompany: (kind: string): string =>
    msg(str`A ${kind} with a similar name and company already exists.`, {
      id: 'crm.leadForm.duplicate.name-company',
    }),
  duplicateNamed: (name: string): string => msg(str`Existing record: ${name}.`, { id: 'crm.leadForm.duplicate.named' }),
  duplicateMore: (count: string): string =>
    msg(str`${count} possible duplicates in all.`, { id: 'crm.leadForm.duplicate.more' }),
  duplicateBlocked: (): string =>
    msg('Sending these details again will be refused.', { id: 'crm.leadForm.duplicate.blocked' }),

  failedDuplicate: (): string =>
    msg('These details match an existing record, so they were not added.', { id: 'crm.leadForm.failed.duplicate' }),
  failedValidation: (): string =>
    msg('Some details were not accepted. Check the marked fields.', { id: 'crm.leadForm.failed.validation' }),
  failedPermission: (): string => msg('You are not allowed to add leads.', { id: 'crm.leadForm.failed.permission' }),
  failedGeneric: (): string =>
    msg('Your details could not be sent. Please try again.', { id: 'crm.leadForm.failed.generic' }),
};
