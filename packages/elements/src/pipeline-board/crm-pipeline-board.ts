import { defineElement } from '../internal/define.js';
import { CrmPipelineBoard } from './pipeline-board.component.js';

export { CrmPipelineBoard };

defineElement('crm-pipeline-board', CrmPipelineBoard);

declare global {
  interface HTMLElementTagNameMap {
    'crm-pipeline-board': CrmPipelineBoard;
  }
}
