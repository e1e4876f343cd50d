import { createHmac, timingSafeEqual } from 'node:crypto';

/** The header a webhook's signature travels in: `t=<unix seconds>,v1=<hex HMAC-SHA256>`. */
export const WEBHOOK_SIGNATURE_HEADER = 'Voltstream-Signature';

export interface VerifyWebhookOptions {
  /** How far the signed time may lie from now, either way; older deliveries may be replays. */
  toleranceSeconds?: number;
  nowSeconds?: number;
}

const SHA256_HEX_LENGTH = 64;

function hmacHex(secret: string, timestamp: number, rawBody: string | Buffer): string {
  const hmac = createHmac('sha256', secret);
  hmac.update(`${timestamp}.`);
  hmac.update(rawBody);
  return hmac.digest('hex');
}

/**
 * The signature header value for a body sent at `nowSeconds`. The timestamp is signed with the
 * body, so a captured delivery cannot be replayed later with a fresh time.
 */
export function signWebhook(
  secret: string,
  rawBody: string | Buffer,
  nowSeconds: number = Math.floor(Date.now() / 1000),
): string {
  return `t=${nowSeconds},v1=${hmacHex(secret, nowSeconds, rawBody)}`;
}

/** The timestamp and every `v1` signature of a header (several while a secret is rotated). */
function parseHeader(header: string): { timestamp: number; signatures: string[] } | undefined {
  let timestamp: number | undefined;
  const signatures: string[] = [];
  for (const part of header.split(',')) {
    const separator = part.indexOf('=');
    if (separator < 0) return undefined;
    const key = part.slice(0, separator).trim();
    const value = part.slice(separator + 1).trim();
    if (key === 't') {
      if (!/^\d{1,12}$/.test(value)) return undefined;
      timestamp = Number(value);
    } else if (key === 'v1') {
      if (value.length !== SHA256_HEX_LENGTH || !/^[0-9a-f]+$/i.test(value)) return undefined;
      signatures.push(value.toLowerCase());
    }
  }
  if (timestamp === undefined || signatures.length === 0) return undefined;
  return { timestamp, signatures };
}

/**
 * True when `header` carries a valid signature of exactly these body bytes, made with `secret`
 * within `toleranceSeconds` of now. Verify the raw body as received, before any JSON parsing.
 */
export function verifyWebhookSignature(
  secret: string,
  rawBody: string | Buffer,
  header: string | undefined,
  { toleranceSeconds = 300, nowSeconds = Math.floor(Date.now() / 1000) }: VerifyWebhookOptions = {},
): boolean {
  if (!header) return false;
  const parsed = parseHeader(header);
  if (!parsed) return false;
  if (Math.abs(nowSeconds - parsed.timestamp) > toleranceSeconds) return false;
  const expected = Buffer.from(hmacHex(secret, parsed.timestamp, rawBody), 'hex');
  return parsed.signatures.some((signature) => timingSafeEqual(expected, Buffer.from(signature, 'hex')));
}
