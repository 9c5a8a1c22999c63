/** The lead form (`crm.leadForm.*`). */
export const leadForm = {};
