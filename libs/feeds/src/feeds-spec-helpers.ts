import { DomainError } from '@voltstream/contracts';

/** The code of the DomainError that `work` throws, or 'accepted' when it throws none. */
export function codeOf(work: () => unknown): string {
  try {
    work();
  } catch (error) {
    if (error instanceof DomainError) return error.code;
    throw error;
  }
  return 'accepted';
}

/** The field path of the first problem reported by `work`. */
export function pathOf(work: () => unknown): string | undefined {
  try {
    work();
  } catch (error) {
    if (error instanceof DomainError) return error.fieldErrors[0]?.path;
    throw error;
  }
  return undefined;
}
