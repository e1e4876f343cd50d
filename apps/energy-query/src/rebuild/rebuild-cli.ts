import { ReadModelVersion } from '@voltstream/platform';

export const USAGE = `usage:
  npm run rebuild -- <read model>              build a new version from the first event, cut over once caught up
  npm run rebuild -- <read model> --status     list its versions (live, retired, building)
  npm run rebuild -- <read model> --drop-old   drop its retired versions
read models: energy`;

export type RebuildCommand = { readModel: string; action: 'build' | 'status' | 'drop-old' };

export class UsageError extends Error {
  readonly code = 'REBUILD.USAGE';
}

const ACTIONS: Record<string, RebuildCommand['action']> = { '--status': 'status', '--drop-old': 'drop-old' };

/** `energy --drop-old` → what to do; anything else is a usage error naming what is wrong. */
export function parseRebuildArgs(argv: readonly string[], known: readonly string[]): RebuildCommand {
  const names = argv.filter((arg) => !arg.startsWith('--'));
  const flags = argv.filter((arg) => arg.startsWith('--'));
  if (names.length !== 1) throw new UsageError('name one read model');
  const [readModel] = names;
  if (!known.includes(readModel)) throw new UsageError(`no read model named ${readModel}`);
  const unknown = flags.find((flag) => !(flag in ACTIONS));
  if (unknown) throw new UsageError(`unknown option ${unknown}`);
  if (flags.length > 1) throw new UsageError(`${flags.join(' and ')} do not go together`);
  return { readModel, action: flags.length === 0 ? 'build' : ACTIONS[flags[0]] };
}

export function versionLines(versions: readonly ReadModelVersion[]): string[] {
  return versions.map((v) => {
    const since = v.state === 'live' ? v.liveSince : v.state === 'retired' ? v.retiredAt : v.startedAt;
    return `v${v.version}  ${v.state.padEnd(9)}  ${v.schemaName.padEnd(12)}  since ${since?.toISOString() ?? '-'}`;
  });
}
