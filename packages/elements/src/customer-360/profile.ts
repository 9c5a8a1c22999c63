/** The 360° card's profile, contacts and consent sections. */
import { html, nothing, type TemplateResult } from 'lit';
import { maskAddress, maskEmail, maskPhone, type Consent, type Contact } from '@crmkit/core';
import { formatInstant } from '../internal/format.js';
import { formatAddress } from './address.js';
import { mailtoHref, safeHref, telHref } from './format.js';
import { customer360Messages as m } from './messages.js';
import { empty, type SectionContext } from './section.js';

/**
 * An e-mail address that, when it must wrap, wraps before its `@` and dots (`zhang.wei` / `@example` / `.com`) rather
 * than mid-word: a `<wbr>` marks each place, and the value's `overflow-wrap: break-word` cuts a part only when it
 * alone is wider than the line.
 */
function breakable(text: string): TemplateResult {
  const parts = text.split(/(?=[@.])/);
  return html`${parts.map((part, index) => (index === 0 ? part : html`<wbr />${part}`))}`;
}

function renderEmails(emails: readonly string[], context: SectionContext): TemplateResult {
  return html`${emails.map((email) => {
    const href = context.masked ? undefined : mailtoHref(email);
    const text = breakable(context.masked ? maskEmail(email) : email);
    return html`<span class="value-item">${href ? html`<a href=${href}>${text}</a>` : text}</span>`;
  })}`;
}

function renderPhones(phones: readonly string[], context: SectionContext): TemplateResult {
  // Stored in E.164, shown as people write them (national in the CRM's region); the link keeps the E.164 number.
  return html`${phones.map((phone) => {
    const href = context.masked ? undefined : telHref(phone);
    // Core's access policy may have masked it already (a role without `pii`): masking `+86 ** **** 8024` again would
    // hide the digits the mask keeps. A stored number never holds `*`.
    const premasked = phone.includes('*');
    const shown = premasked ? phone : context.phone(phone);
    const text = context.masked && !premasked ? maskPhone(shown) : shown;
    return html`<span class="value-item">${href ? html`<a href=${href}>${text}</a>` : text}</span>`;
  })}`;
}

export function renderProfile(context: SectionContext): TemplateResult {
  const { customer } = context.shown.view;
  const address = customer.address && (context.masked ? maskAddress(customer.address) : customer.address);
  const addressText = address ? formatAddress(address, context.locale) : '';
  const website = safeHref(customer.website);
  const owner = customer.ownerId ? (context.shown.names.users[customer.ownerId] ?? customer.ownerId) : undefined;
  const fact = (label: string, value: unknown) =>
    html`<div class="fact">
      <dt>${label}</dt>
      <dd>${value}</dd>
    </div>`;
  return html`<dl class="facts">
    ${customer.emails.length > 0 ? fact(m.email(), renderEmails(customer.emails, context)) : nothing}
    ${customer.phones.length > 0 ? fact(m.phone(), renderPhones(customer.phones, context)) : nothing}
    ${customer.company ? fact(m.company(), customer.company) : nothing}
    ${
      customer.website
        ? fact(
            m.website(),
            website
              ? html`<a href=${website} target="_blank" rel="noopener noreferrer">${customer.website}</a>`
              : customer.website,
          )
        : nothing
    }
    ${addressText ? fact(m.address(), addressText) : nothing} ${owner ? fact(m.owner(), owner) : nothing}
    ${customer.source ? fact(m.source(), context.label('source', customer.source)) : nothing}
    ${
      customer.tags.length > 0
        ? fact(
            m.tags(),
            html`<ul class="chips">
              ${customer.tags.map((tag) => html`<li part="tag" class="chip">${tag}</li>`)}
            </ul>`,
          )
        : nothing
    }
  </dl>`;
}

export function renderContacts(contacts: readonly Contact[], context: SectionContext): TemplateResult {
  if (contacts.length === 0) return empty(m.noContacts());
  const ordered = [...contacts].sort((a, b) => Number(b.primary) - Number(a.primary));
  return html`<ul class="items">
    ${ordered.map(
      (contact) =>
        html`<li part="contact" class="item">
          <div class="item-title">
            <span>${contact.name}</span>
            ${contact.primary ? html`<span part="badge" class="badge">${m.primary()}</span>` : nothing}
          </div>
          ${contact.title ? html`<div class="muted">${contact.title}</div>` : nothing}
          ${
            contact.emails.length > 0 || contact.phones.length > 0
              ? html`<div class="contact-points">
                  ${renderEmails(contact.emails, context)} ${renderPhones(contact.phones, context)}
                </div>`
              : nothing
          }
        </li>`,
    )}
  </ul>`;
}

export function renderConsents(consents: readonly Consent[], context: SectionContext): TemplateResult {
  if (consents.length === 0) return empty(m.noConsents());
  return html`<ul class="items">
    ${consents.map(
      (consent) =>
        html`<li part="consent" class="item" data-purpose=${consent.purpose}>
          <div class="item-title">
            <span>${context.label('consentPurpose', consent.purpose)}</span>
            <span part="badge" class="badge ${consent.status === 'granted' ? 'success' : 'danger'}"
              >${context.label('consentStatus', consent.status)}</span
            >
          </div>
          <div class="muted">
            ${m.consentDetail(
              context.label('legalBasis', consent.legalBasis),
              formatInstant(consent.at, context.locale, context.timeZone, false),
            )}
          </div>
        </li>`,
    )}
  </ul>`;
}
