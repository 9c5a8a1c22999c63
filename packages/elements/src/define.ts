/** Registers every crmkit element. Safe to import more than once, and beside another copy of crmkit. */
import './money/crm-money.js';
import './provider/crm-provider.js';
import './pipeline-board/crm-pipeline-board.js';
import './lead-form/crm-lead-form.js';
import './lead-convert/crm-lead-convert.js';
import './customer-360/crm-customer-360.js';
