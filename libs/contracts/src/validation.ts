/**
 * A tiny runtime schema checker. Contracts depend on nothing, so the envelope and payload
 * schemas are checked with these few combinators instead of a validation library.
 */
export class ContractViolation extends Error {
  constructor(
    readonly path: string,
    readonly problem: string,
  ) {
    super(`${path || '(root)'}: ${problem}`);
    this.name = 'ContractViolation';
  }
}

export type Check<T> = (value: unknown, path: string) => T;

export const str =
  (opts: { min?: number; max?: number; pattern?: RegExp } = {}): Check<string> =>
  (value, path) => {
    if (typeof value !== 'string') throw new ContractViolation(path, 'must be a string');
    if (opts.min !== undefined && value.length < opts.min)
      throw new ContractViolation(path, `shorter than ${opts.min}`);
    if (opts.max !== undefined && value.length > opts.max)
      throw new ContractViolation(path, `longer than ${opts.max}`);
    if (opts.pattern && !opts.pattern.test(value))
      throw new ContractViolation(path, `does not match ${opts.pattern}`);
    return value;
  };

export const int =
  (opts: { min?: number; max?: number } = {}): Check<number> =>
  (value, path) => {
    if (typeof value !== 'number' || !Number.isSafeInteger(value))
      throw new ContractViolation(path, 'must be an integer');
    if (opts.min !== undefined && value < opts.min) throw new ContractViolation(path, `below ${opts.min}`);
    if (opts.max !== undefined && value > opts.max) throw new ContractViolation(path, `above ${opts.max}`);
    return value;
  };

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;
export const isoInstant: Check<string> = (value, path) => {
  const text = str({ pattern: ISO_INSTANT })(value, path);
  if (Number.isNaN(Date.parse(text))) throw new ContractViolation(path, 'is not a valid instant');
  return text;
};

export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const uuid: Check<string> = str({ pattern: UUID_PATTERN });

export const nullable =
  <T>(check: Check<T>): Check<T | null> =>
  (value, path) =>
    value === null || value === undefined ? null : check(value, path);

export const array =
  <T>(check: Check<T>, opts: { min?: number; max?: number } = {}): Check<T[]> =>
  (value, path) => {
    if (!Array.isArray(value)) throw new ContractViolation(path, 'must be an array');
    if (opts.min !== undefined && value.length < opts.min)
      throw new ContractViolation(path, `fewer than ${opts.min} items`);
    if (opts.max !== undefined && value.length > opts.max)
      throw new ContractViolation(path, `more than ${opts.max} items`);
    return value.map((item, i) => check(item, `${path}[${i}]`));
  };

type Shape = Record<string, Check<unknown>>;
export type Infer<S extends Shape> = { [K in keyof S]: ReturnType<S[K]> };

export const object =
  <S extends Shape>(shape: S): Check<Infer<S>> =>
  (value, path) => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new ContractViolation(path, 'must be an object');
    }
    const record = value as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const [key, check] of Object.entries(shape)) {
      out[key] = check(record[key], path ? `${path}.${key}` : key);
    }
    return out as Infer<S>;
  };

export const anyJson: Check<unknown> = (value) => value;
