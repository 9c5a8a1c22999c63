/**
 * Field masking for roles that may not see personal data.
 *
 * @module
 */
export { MASK, maskAddress, maskEmail, maskPhone, maskText } from './mask.js';
