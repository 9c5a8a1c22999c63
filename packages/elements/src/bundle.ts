/**
 * The self-contained embed: Lit, the core and every element in one ES module, for
 * `<script type="module" src=".../crmkit-elements.bundle.js">` on pages without a build step.
 */
import './define.js';

export * from './index.js';
export * from '@crmkit/core';
