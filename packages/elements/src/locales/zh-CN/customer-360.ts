/** The customer-360 card (`crm.customer360.*`). */
export const customer360 = {};
