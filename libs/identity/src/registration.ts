import { DomainError, FieldError } from '@voltstream/contracts';
import { IdentityErrorCodes } from './identity-errors';

export interface RegisterInput {
  email: string;
  password: string;
  displayName: string;
}

export interface Registration {
  email: string;
  displayName: string;
}

export const MIN_PASSWORD_LENGTH = 10;
/** Longer passwords only cost hashing time; 128 is far beyond any passphrase. */
export const MAX_PASSWORD_LENGTH = 128;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** One spelling per mailbox: case and surrounding spaces never make a second account. */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

export function decideRegistration(input: RegisterInput): Registration {
  const errors: FieldError[] = [];
  const email = normalizeEmail(input.email);
  if (email.length > 254 || !EMAIL.test(email)) {
    errors.push({
      path: 'input.email',
      code: IdentityErrorCodes.invalidEmail,
      message: 'not an email address',
    });
  }
  const password = input.password;
  if (password.length < MIN_PASSWORD_LENGTH || password.length > MAX_PASSWORD_LENGTH) {
    errors.push({
      path: 'input.password',
      code: IdentityErrorCodes.weakPassword,
      message: `${MIN_PASSWORD_LENGTH} to ${MAX_PASSWORD_LENGTH} characters`,
    });
  }
  const displayName = input.displayName.trim();
  // No control characters: display names are shown to other users as plain text.
  if (displayName.length < 1 || displayName.length > 100 || /\p{Cc}/u.test(displayName)) {
    errors.push({
      path: 'input.displayName',
      code: IdentityErrorCodes.invalidDisplayName,
      message: '1 to 100 printable characters',
    });
  }
  if (errors.length > 0) throw DomainError.fromFieldErrors(errors);
  return { email, displayName };
}
