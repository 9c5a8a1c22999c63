/**
 * Customers (客户): the customer service with the 360° view, the per-customer aggregates (value, recent activity,
 * RFM) kept up to date on events, and the phone intake customers and contacts share.
 *
 * @module
 */
export { createCustomerService, VIEW360_MAX_QUERIES } from './customer.service.js';
export type {
  CustomerService,
  CustomerServiceOptions,
  Customer360,
  View360Options,
  CustomerValue,
} from './customer.service.js';
export { computeCustomerStats, rfmInputOf } from './stats.js';
export type { StoredCustomerStats, DealFact, ActivityFact } from './stats.js';
export { createCustomerAggregates, parseStoredStats, CUSTOMER_STATS_COLLECTION } from './aggregates.service.js';
export type { CustomerAggregates, AggregateListener } from './aggregates.service.js';
