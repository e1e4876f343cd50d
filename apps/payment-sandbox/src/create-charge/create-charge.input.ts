import { createHash } from 'node:crypto';
import { ApiError } from '../http/api-error';

export interface CreateChargeInput {
  amountMinor: number;
  currency: string;
  reference: string;
  webhookUrl: string;
  description: string | null;
}

/** Eleven digits of minor units, like processors' per-charge limits; far below 2^53. */
export const MAX_AMOUNT_MINOR = 99_999_999_999;
const FIELDS = new Set(['amountMinor', 'currency', 'reference', 'webhookUrl', 'description']);
const CURRENCIES = new Set(Intl.supportedValuesOf('currency'));

function text(body: Record<string, unknown>, field: string, maxLength: number): string {
  const value = body[field];
  if (typeof value !== 'string' || value.trim() === '') {
    throw ApiError.invalid(field, `${field} must be a non-empty string`);
  }
  if (value.length > maxLength) throw ApiError.invalid(field, `${field} is longer than ${maxLength}`);
  return value;
}

/** Checks a create-charge body; unknown fields are refused, as a typo must not go unnoticed. */
export function parseCreateCharge(body: unknown): CreateChargeInput {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw ApiError.invalid('body', 'the body must be a JSON object');
  }
  const fields = body as Record<string, unknown>;
  const unknown = Object.keys(fields).find((key) => !FIELDS.has(key));
  if (unknown) throw ApiError.invalid(unknown, `unknown field ${unknown}`);

  const amountMinor = fields['amountMinor'];
  if (
    typeof amountMinor !== 'number' ||
    !Number.isInteger(amountMinor) ||
    amountMinor < 1 ||
    amountMinor > MAX_AMOUNT_MINOR
  ) {
    throw ApiError.invalid('amountMinor', `amountMinor must be an integer from 1 to ${MAX_AMOUNT_MINOR}`);
  }
  const currency = fields['currency'];
  if (typeof currency !== 'string' || !/^[A-Z]{3}$/.test(currency) || !CURRENCIES.has(currency)) {
    throw ApiError.invalid('currency', 'currency must be an ISO 4217 code in upper case, e.g. EUR');
  }
  const reference = text(fields, 'reference', 200);
  const webhookUrl = text(fields, 'webhookUrl', 2000);
  let url: URL;
  try {
    url = new URL(webhookUrl);
  } catch {
    throw ApiError.invalid('webhookUrl', 'webhookUrl must be an absolute URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw ApiError.invalid('webhookUrl', 'webhookUrl must use http or https');
  }
  const description =
    fields['description'] === undefined || fields['description'] === null
      ? null
      : text(fields, 'description', 500);
  return { amountMinor, currency, reference, webhookUrl, description };
}

export function parseIdempotencyKey(header: string | string[] | undefined): string {
  const key = Array.isArray(header) ? header[0] : header;
  if (!key || key.trim() === '') {
    throw ApiError.invalid('Idempotency-Key', 'the Idempotency-Key header is required');
  }
  if (key.length > 255) throw ApiError.invalid('Idempotency-Key', 'Idempotency-Key is longer than 255');
  return key;
}

/** Same fields, same fingerprint, whatever the key order or whitespace of the JSON sent. */
export function fingerprintOf(input: CreateChargeInput): string {
  const canonical = JSON.stringify([
    input.amountMinor,
    input.currency,
    input.reference,
    input.webhookUrl,
    input.description,
  ]);
  return createHash('sha256').update(canonical).digest('hex');
}
