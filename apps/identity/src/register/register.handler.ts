import { randomUUID } from 'node:crypto';
import {
  DomainError,
  encodeConsistencyToken,
  ErrorCodes,
  IDENTITY_AGGREGATE,
  IdentityEventTypes,
  UserRegisteredV1,
} from '@voltstream/contracts';
import { decideRegistration, RegisterInput } from '@voltstream/identity';
import { EventOutbox } from '@voltstream/platform';
import { DataSource } from 'typeorm';
import { Account, accountStore } from '../accounts/account-store';
import { hashPassword } from '../accounts/password-hasher';
import { AuthPayload, TokenIssuer } from '../tokens/token-issuer';

/**
 * Creates a CUSTOMER account, announces it, and signs the new user in. The consistency token
 * names the account's first version, for a read (`me`) made right after.
 */
export class RegisterHandler {
  constructor(
    private readonly db: DataSource,
    private readonly tokens: TokenIssuer,
    private readonly outbox: EventOutbox,
  ) {}

  async execute(input: RegisterInput): Promise<AuthPayload & { consistencyToken: string }> {
    const registration = decideRegistration(input);
    const account: Account = {
      id: randomUUID(),
      email: registration.email,
      displayName: registration.displayName,
      passwordHash: await hashPassword(input.password),
      roles: ['CUSTOMER'],
      createdAt: new Date(),
    };
    return this.db.transaction(async (tx) => {
      if (!(await accountStore.insert(tx, account))) {
        throw new DomainError(ErrorCodes.conflict, 'an account with this email already exists');
      }
      const payload: UserRegisteredV1 = {
        userId: account.id,
        email: account.email,
        displayName: account.displayName,
        roles: account.roles,
        registeredAt: account.createdAt.toISOString(),
      };
      const written = { aggregateType: IDENTITY_AGGREGATE, aggregateId: account.id, version: 1 };
      await this.outbox.emit(
        tx,
        {
          aggregate: { type: written.aggregateType, id: written.aggregateId, version: written.version },
          events: [{ type: IdentityEventTypes.UserRegistered, schemaVersion: 1, payload }],
        },
        { actorId: account.id },
      );
      const session = await this.tokens.issue(tx, account);
      return { ...session, consistencyToken: encodeConsistencyToken(written) };
    });
  }
}
