// This page's CRM, opened once per page (see openDemoCrm).
import { openDemoCrm } from '../shared/crm';

export const { crmReady, loadDemoData } = openDemoCrm('crmkit-vue-example');
