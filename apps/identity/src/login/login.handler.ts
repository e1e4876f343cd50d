import { DomainError, RateLimitedError } from '@voltstream/contracts';
import { IdentityErrorCodes, normalizeEmail } from '@voltstream/identity';
import { DataSource } from 'typeorm';
import { accountStore } from '../accounts/account-store';
import { DUMMY_HASH_FOR_TIMING, verifyPassword } from '../accounts/password-hasher';
import { AuthPayload, TokenIssuer } from '../tokens/token-issuer';
import { LoginThrottle } from './login-throttle';

export class LoginHandler {
  constructor(
    private readonly db: DataSource,
    private readonly tokens: TokenIssuer,
    private readonly throttle: LoginThrottle,
  ) {}

  /** `address` is the client's, as the gateway saw it (see TRUST_PROXY). */
  async execute(email: string, password: string, address: string): Promise<AuthPayload> {
    const wait = await this.throttle.attempt(this.db, email, address);
    if (wait !== null)
      throw new RateLimitedError(wait, 'too many sign-in attempts; wait before trying again');
    const account = await accountStore.byEmail(this.db, normalizeEmail(email));
    // The same work and the same answer whether the account exists or the password is wrong.
    const valid = await verifyPassword(
      password.slice(0, 1024),
      account?.passwordHash ?? DUMMY_HASH_FOR_TIMING,
    );
    if (!account || !valid)
      throw new DomainError(IdentityErrorCodes.invalidCredentials, 'wrong email or password');
    return this.db.transaction((tx) => this.tokens.issue(tx, account));
  }
}
