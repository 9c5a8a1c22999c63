/**
 * The customer aggregates as an actor uses them. The aggregator itself runs past the policy (it follows every
 * change, whoever made it); what a caller reads or recomputes through `crm.aggregates` is limited to the customers
 * the actor may read, and recomputing is a write, which a viewer may not do.
 */
import { NotFoundError } from '../errors/errors.js';
import type { CrmContext } from '../kernel/context.js';
import type { CustomerAggregates } from './aggregates.service.js';

/** `aggregates` restricted to what the context's actor may read and do. */
export function guardedAggregates(context: CrmContext, aggregates: CustomerAggregates): CustomerAggregates {
  const readable = async (ids: readonly string[]) =>
    (await context.storage.getMany('customers', ids)).map((customer) => customer !== undefined);
  return {
    ...aggregates,
    async get(customerId) {
      const [allowed] = await readable([customerId]);
      return allowed ? aggregates.get(customerId) : undefined;
    },
    async getMany(customerIds) {
      const allowed = await readable(customerIds);
      const stats = await aggregates.getMany(customerIds);
      return stats.map((entry, index) => (allowed[index] ? entry : undefined));
    },
    async refresh(customerId, trigger) {
      context.assertCanWrite('customer.refreshAggregates');
      const [allowed] = await readable([customerId]);
      // The same error as for a customer that does not exist: existence is not revealed either.
      if (!allowed) throw new NotFoundError('customers', customerId);
      return aggregates.refresh(customerId, trigger);
    },
    async refreshRfm(currency) {
      context.assertCanWrite('customer.refreshAggregates');
      return aggregates.refreshRfm(currency);
    },
  };
}
