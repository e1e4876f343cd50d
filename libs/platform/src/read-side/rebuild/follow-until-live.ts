import { DataSource } from 'typeorm';
import { cutOver, CutOverPlan } from './cut-over';
import { positionsIn, total } from './positions';
import { progressLine, progressOf, ProgressSample } from './progress';
import { TopicHistory } from './topic-history';
import { versionSchema } from './versions';

export interface FollowOptions {
  primary: DataSource;
  history: TopicHistory;
  print: (line: string) => void;
  /** Try the cut-over once the new version is this close to the topic's end. */
  catchUpOffsets: number;
  sampleEveryMs: number;
  plan: CutOverPlan;
  stopBuilder: () => Promise<void>;
  restartBuilder: () => Promise<void>;
}

/**
 * Prints the build's progress each sample and, once it is close to the topic's end, cuts over;
 * a cut-over that did not take (the new version not caught up in time, a lock wait too long)
 * changed nothing, so the builder goes on and it is tried again at the next sample.
 */
export async function followUntilLive(options: FollowOptions): Promise<void> {
  const { plan, print } = options;
  let last = await sample(options);
  let rate = 0;
  let nextAttemptAt = 0;
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, options.sampleEveryMs));
    const current = await sample(options);
    const progress = progressOf(last, current, rate);
    rate = progress.rate;
    last = current;
    print(progressLine(`${plan.key} v${plan.version}`, current, progress));
    if (progress.lag > options.catchUpOffsets || Date.now() < nextAttemptAt) continue;
    let stopped = false;
    try {
      const done = await cutOver(options.primary, plan, async () => {
        stopped = true;
        await options.stopBuilder();
      });
      if (done) return;
      print(`${plan.key}: v${plan.version} did not reach the live version in time; trying again`);
    } catch (error) {
      print(`${plan.key}: cut-over failed (${String(error)}); trying again`);
    }
    if (stopped) await options.restartBuilder();
    // The live projector held as long again before the next try, so that it catches up and the
    // reads waiting for a consistency token are answered in between.
    nextAttemptAt = Date.now() + plan.catchUpMs;
  }
}

async function sample({ primary, history, plan }: FollowOptions): Promise<ProgressSample> {
  const schema = versionSchema(plan.key, plan.version);
  return {
    atMs: Date.now(),
    applied: total(await positionsIn(primary, schema, plan.projection, plan.topic)),
    end: await history.end(),
    live: total(await positionsIn(primary, 'public', plan.projection, plan.topic)),
  };
}
