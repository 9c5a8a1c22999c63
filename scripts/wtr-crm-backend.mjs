// What scripts/wtr-crm-server.mjs runs in the test runner's Node process, loaded through tsx from the packages'
// sources: the CRM server's handler and Node adapter, and core's memory storage.
export { createCrmHandler, toNodeListener } from '@crmkit/server';
export { createMemoryStorage } from '@crmkit/core';
