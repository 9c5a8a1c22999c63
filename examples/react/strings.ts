// The page's words: the examples' shared strings, naming this page's framework.
import { pageStrings } from '../shared/strings';

export { initialLocale, type Locale, type Status } from '../shared/strings';
export const STRINGS = pageStrings('React');
