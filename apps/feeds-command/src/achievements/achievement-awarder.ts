import { USER_ACTIVITY_AGGREGATE } from '@voltstream/contracts';
import { completedMonths, decideAchievements, UserFacts } from '@voltstream/feeds';
import { EventOutbox, Queryable } from '@voltstream/platform';
import { advanceStream, feedsDecision, lockStream } from '../shared/feeds-outbox';

export type FactKind = 'LESSON_COMPLETED' | 'COURSE_COMPLETED' | 'INVOICE_PAID';

/** One thing a rule may count, keyed so that the same event recorded twice is one fact. */
export interface Fact {
  userId: string;
  kind: FactKind;
  /** courseId:lessonId, courseId or invoiceId. */
  factId: string;
  at: string;
}

/**
 * Records facts and awards what they earn, inside a projection's transaction: facts, the
 * achievements row and the AchievementEarned outbox row commit together, and the unique
 * (user_id, code) awards each achievement once, whatever is redelivered. A user's facts also
 * take their completed months of consumption from the energy tables (EnergyFactsProjection).
 */
export class AchievementAwarder {
  constructor(private readonly outbox: EventOutbox) {}

  async record(tx: Queryable, recorded: readonly Fact[]): Promise<void> {
    // One row per key and statement: Postgres refuses to update a row twice in one upsert.
    const byKey = new Map<string, Fact>();
    for (const fact of recorded) {
      const key = `${fact.userId}|${fact.kind}|${fact.factId}`;
      const known = byKey.get(key);
      if (!known || Date.parse(fact.at) < Date.parse(known.at)) byKey.set(key, fact);
    }
    const facts = [...byKey.values()];
    if (facts.length === 0) return;
    // The earliest time wins, so the order events arrive in does not change what is earned.
    await tx.query(
      `INSERT INTO achievement_facts (user_id, kind, fact_id, at)
       SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::timestamptz[])
       ON CONFLICT (user_id, kind, fact_id) DO UPDATE SET at = LEAST(achievement_facts.at, EXCLUDED.at)`,
      [
        facts.map((f) => f.userId),
        facts.map((f) => f.kind),
        facts.map((f) => f.factId),
        facts.map((f) => f.at),
      ],
    );
  }

  /**
   * Evaluates the rules for each user, in id order so concurrent batches lock streams in one
   * order. `causes` maps a user to the event that changed their facts last.
   */
  async award(tx: Queryable, causes: ReadonlyMap<string, string>): Promise<number> {
    let awarded = 0;
    for (const userId of [...causes.keys()].sort()) {
      const earned = await tx.query<{ code: string }[]>('SELECT code FROM achievements WHERE user_id = $1', [
        userId,
      ]);
      const candidates = decideAchievements({
        type: 'EvaluateAchievements',
        userId,
        facts: await factsOf(tx, userId),
        alreadyEarned: earned.map((row) => row.code),
      });
      if (candidates.length === 0) continue;
      const version = await lockStream(tx, USER_ACTIVITY_AGGREGATE, userId);
      const inserted = await tx.query<{ code: string }[]>(
        `INSERT INTO achievements (user_id, code, title, earned_at)
         SELECT $1, * FROM unnest($2::text[], $3::text[], $4::timestamptz[])
         ON CONFLICT (user_id, code) DO NOTHING RETURNING code`,
        [
          userId,
          candidates.map((e) => e.payload.code),
          candidates.map((e) => e.payload.title),
          candidates.map((e) => e.payload.earnedAt),
        ],
      );
      const fresh = new Set(inserted.map((row) => row.code));
      const events = candidates.filter((e) => fresh.has(e.payload.code));
      if (events.length === 0) continue;
      const last = version + events.length;
      await advanceStream(tx, USER_ACTIVITY_AGGREGATE, userId, last);
      await this.outbox.emit(tx, feedsDecision(last, events), {
        actorId: null,
        causationId: causes.get(userId),
      });
      awarded += events.length;
    }
    return awarded;
  }
}

async function factsOf(tx: Queryable, userId: string): Promise<UserFacts> {
  const rows = await tx.query<{ kind: FactKind; at: Date }[]>(
    'SELECT kind, at FROM achievement_facts WHERE user_id = $1',
    [userId],
  );
  const at = (kind: FactKind) => rows.filter((row) => row.kind === kind).map((row) => row.at);
  const meters = await tx.query<{ meter_id: string; timezone: string; latest_month: string | null }[]>(
    'SELECT meter_id, timezone, latest_month FROM energy_meters WHERE owner_id = $1',
    [userId],
  );
  const usage = await tx.query<{ meter_id: string; month: string; wh: string }[]>(
    `SELECT m.meter_id, m.month, m.wh::text FROM energy_meter_months m
     JOIN energy_meters e USING (meter_id) WHERE e.owner_id = $1`,
    [userId],
  );
  return {
    lessonCompletedAt: at('LESSON_COMPLETED'),
    courseCompletedAt: at('COURSE_COMPLETED'),
    invoicePaidAt: at('INVOICE_PAID'),
    monthlyConsumption: completedMonths(
      meters.map((m) => ({ meterId: m.meter_id, timeZone: m.timezone, latestMonth: m.latest_month })),
      usage.map((u) => ({ meterId: u.meter_id, month: u.month, wh: Number(u.wh) })),
    ),
  };
}
