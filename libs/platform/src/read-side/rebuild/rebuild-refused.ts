/** Why a rebuild command refused to run, with a stable code; it changed nothing. */
export class RebuildRefused extends Error {
  constructor(
    readonly code: 'REBUILD.ALREADY_RUNNING' | 'REBUILD.HISTORY_TRUNCATED',
    message: string,
  ) {
    super(message);
  }
}
