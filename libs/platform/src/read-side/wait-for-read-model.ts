import { DomainError, ErrorCodes } from '@voltstream/contracts';

/**
 * Polls `reached` (a read of the database the caller reads next) until it says the read model
 * shows the write, backing off from 10 to 100 ms; CONSISTENCY_TIMEOUT once `timeoutMs` would
 * pass. What a query service owes a consistency token, whatever its tables look like.
 */
export async function waitForReadModel(reached: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (let pause = 10; ; pause = Math.min(pause * 2, 100)) {
    if (await reached()) return;
    if (Date.now() + pause > deadline) {
      throw new DomainError(
        ErrorCodes.consistencyTimeout,
        `the read model did not reach this write within ${timeoutMs} ms; retry`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, pause));
  }
}
