import { FieldError } from '@voltstream/contracts';
import { FeedsErrorCodes } from './feeds-errors';

// Unpaired surrogates (Cs) cannot be stored as UTF-8, so they are refused with the controls.
const FORBIDDEN_IN_LINE = /[\p{Cc}\p{Cs}]/u;
const FORBIDDEN_IN_TEXT = /(?![\n\t])[\p{Cc}\p{Cs}]/u;

/** Length in Unicode code points: an emoji outside the BMP counts 1, not 2 UTF-16 units. */
export function codePointLength(text: string): number {
  let length = 0;
  for (const _char of text) length += 1;
  return length;
}

export interface TextRule {
  path: string;
  max: number;
  /** Multi-line text may hold newlines and tabs; a line holds no control character at all. */
  multiline: boolean;
  /** The code of a length problem; control characters are always FEEDS.INVALID_CHARACTERS. */
  code: string;
}

/** Trims and checks 1..max code points. The text is otherwise kept as given: plain text, no HTML. */
export function checkText(raw: string, rule: TextRule): { text: string; errors: FieldError[] } {
  const text = raw.trim();
  const errors: FieldError[] = [];
  const length = codePointLength(text);
  if (length < 1 || length > rule.max) {
    errors.push({ path: rule.path, code: rule.code, message: `1 to ${rule.max} characters after trimming` });
  }
  if ((rule.multiline ? FORBIDDEN_IN_TEXT : FORBIDDEN_IN_LINE).test(text)) {
    errors.push({
      path: rule.path,
      code: FeedsErrorCodes.invalidCharacters,
      message: rule.multiline
        ? 'no control characters other than newline and tab'
        : 'no control characters, line breaks included',
    });
  }
  return { text, errors };
}
