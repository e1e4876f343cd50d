import { DomainError, ErrorCodes } from '@voltstream/contracts';
import {
  DeadLetterRecord,
  DeadLetterRef,
  DeadLetterStatus,
  ProjectionDeadLetters,
} from './projection-dead-letters';

/** The projections a service runs, by name: what the desk works on. */
export interface DeadLetterSource {
  projectionNames(): string[];
  deadLetters(projection: string): ProjectionDeadLetters<unknown>;
  /** Open dead letters and parked events of every projection, in one query. */
  deadLetterCounts(): Promise<{ projection: string; waiting: number; parked: number }[]>;
}

export interface ProjectionStatusView {
  name: string;
  waiting: number;
  parked: number;
  /** Resolved on demand, only when the operator asks for the letters. */
  deadLetters: (args: { status?: string | null; first?: number | null }) => Promise<DeadLetterView[]>;
}

export type DeadLetterView = Omit<DeadLetterRecord, 'status' | 'errorReason'> & {
  status: 'OPEN' | 'REPLAYED' | 'DISCARDED';
  /** The stable reason its error was filed under, e.g. `unapplicable`. */
  reason: string;
  ageSeconds: number;
};

export interface DeadLetterRelease {
  projection: string;
  resolved: number;
  applied: number;
  stillFailing: { letter: DeadLetterView; error: string }[];
}

const MAX_LETTERS = 500;
const FAILURE_TEXT_LIMIT = 2000;
const MAX_REASON = 1000;

/**
 * The operator's work on a service's dead letters, whoever asks (the GraphQL fields, tests):
 * statuses with counts, the letters themselves, replay of one or all in order, discard with a
 * reason. A replay that fails changes nothing and is reported, not thrown: the operator sees
 * which letters still fail and why. The caller checks the ADMIN role.
 */
export class DeadLetterDesk {
  constructor(private readonly source: DeadLetterSource) {}

  async projections(): Promise<ProjectionStatusView[]> {
    const counts = await this.source.deadLetterCounts();
    return counts.map(({ projection: name, waiting, parked }) => {
      const letters = this.source.deadLetters(name);
      return {
        name,
        waiting,
        parked,
        deadLetters: ({ status, first }) => this.letters(letters, status ?? 'OPEN', first ?? 50),
      };
    });
  }

  async replay(projection: string, ref: DeadLetterRef | null, by: string): Promise<DeadLetterRelease> {
    const letters = this.projection(projection);
    const targets = ref ? [checkedRef(ref)] : await letters.list('open');
    const release: DeadLetterRelease = { projection, resolved: 0, applied: 0, stillFailing: [] };
    // Each letter is the head of its own key: one that still fails holds back only its key.
    for (const target of targets) {
      try {
        release.applied += await letters.replay(target, by);
        release.resolved += 1;
      } catch (error) {
        if (error instanceof DomainError) throw error;
        const letter = await this.find(letters, target);
        const text = String(error instanceof Error ? error.message : error).slice(0, FAILURE_TEXT_LIMIT);
        if (letter) release.stillFailing.push({ letter, error: text });
      }
    }
    return release;
  }

  async discard(
    projection: string,
    ref: DeadLetterRef,
    reason: string,
    by: string,
  ): Promise<DeadLetterRelease> {
    if (reason.length > MAX_REASON)
      throw new DomainError(ErrorCodes.badUserInput, `reason: at most ${MAX_REASON} characters`);
    const applied = await this.projection(projection).discard(checkedRef(ref), reason, by);
    return { projection, resolved: 1, applied, stillFailing: [] };
  }

  private projection(name: string): ProjectionDeadLetters<unknown> {
    if (!this.source.projectionNames().includes(name))
      throw new DomainError(
        ErrorCodes.notFound,
        `no projection named ${name} here; this service runs ${this.source.projectionNames().join(', ')}`,
      );
    return this.source.deadLetters(name);
  }

  private async letters(
    letters: ProjectionDeadLetters<unknown>,
    status: string,
    first: number,
  ): Promise<DeadLetterView[]> {
    if (!['OPEN', 'REPLAYED', 'DISCARDED'].includes(status))
      throw new DomainError(ErrorCodes.badUserInput, `status: one of OPEN, REPLAYED, DISCARDED`);
    if (!Number.isInteger(first) || first < 1 || first > MAX_LETTERS)
      throw new DomainError(ErrorCodes.badUserInput, `first: between 1 and ${MAX_LETTERS}`);
    const records = await letters.list(status.toLowerCase() as DeadLetterStatus, first);
    return records.map(viewOf);
  }

  private async find(letters: ProjectionDeadLetters<unknown>, ref: DeadLetterRef) {
    const all = await letters.list('open');
    const record = all.find(
      (r) => r.topic === ref.topic && r.partition === ref.partition && r.offset === ref.offset,
    );
    return record && viewOf(record);
  }
}

function viewOf({ errorReason, ...record }: DeadLetterRecord): DeadLetterView {
  return {
    ...record,
    reason: errorReason,
    errorKind: record.errorKind.toUpperCase(),
    status: record.status.toUpperCase() as DeadLetterView['status'],
    ageSeconds: Math.max(0, Math.floor((Date.now() - record.deadLetteredAt.getTime()) / 1000)),
  };
}

/** A Kafka offset is a non-negative 64-bit integer: refuse anything else before SQL sees it. */
function checkedRef(ref: DeadLetterRef): DeadLetterRef {
  if (!/^\d{1,19}$/.test(ref.offset))
    throw new DomainError(ErrorCodes.badUserInput, 'letter.offset: a Kafka offset, digits only');
  if (!Number.isInteger(ref.partition) || ref.partition < 0)
    throw new DomainError(ErrorCodes.badUserInput, 'letter.partition: a partition number');
  if (ref.topic.length === 0 || ref.topic.length > 249)
    throw new DomainError(ErrorCodes.badUserInput, 'letter.topic: a Kafka topic name');
  return ref;
}
