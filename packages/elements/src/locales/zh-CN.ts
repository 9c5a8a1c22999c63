// The zh-CN message catalogue in @lit/localize's runtime format: message id → translation, one file per component in
// ./zh-CN/. Ids come from the explicit `{ id }` of each `msg()` (see ../internal/messages.ts); `${0}`, `${1}`… stand
// for the source's expressions in order. Every id of the source must be here; test-node/catalogue.test.ts checks it.
import { board } from './zh-CN/board.js';
import { common } from './zh-CN/common.js';
import { customer360 } from './zh-CN/customer-360.js';
import { labels } from './zh-CN/labels.js';
import { leadConvert } from './zh-CN/lead-convert.js';
import { leadForm } from './zh-CN/lead-form.js';

export const templates = {
  ...common,
  ...board,
  ...customer360,
  ...leadForm,
  ...leadConvert,
  ...labels,
};
