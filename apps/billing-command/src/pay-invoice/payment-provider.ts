/** What billing needs of a card processor: the port. */
export interface PaymentProvider {
  /** Asks for a charge; idempotent by `paymentId`. Returns the provider's charge id. */
  charge(request: ChargeRequest): Promise<string>;
  /** The charge's state, for reconciling a payment whose webhook never came. */
  status(chargeId: string): Promise<ChargeStatus>;
}

export interface ChargeRequest {
  paymentId: string;
  amountMinor: number;
  currency: string;
  description: string;
}

export type ChargeStatus =
  { state: 'pending' } | { state: 'succeeded' } | { state: 'failed'; reason: string };

/** The adapter for the sandbox provider's HTTP API (apps/payment-sandbox/README.md). */
export class HttpPaymentProvider implements PaymentProvider {
  constructor(
    private readonly baseUrl: string,
    private readonly webhookUrl: string,
    private readonly timeoutMs = 10_000,
  ) {}

  async charge(request: ChargeRequest): Promise<string> {
    const response = await fetch(new URL('/v1/charges', this.baseUrl), {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': request.paymentId },
      body: JSON.stringify({
        amountMinor: request.amountMinor,
        currency: request.currency,
        reference: request.paymentId,
        webhookUrl: this.webhookUrl,
        description: request.description,
      }),
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    const body = (await response.json().catch(() => ({}))) as { id?: string; error?: { message?: string } };
    if (!response.ok || !body.id) {
      throw new Error(
        `provider refused the charge (HTTP ${response.status}): ${body.error?.message ?? 'no id'}`,
      );
    }
    return body.id;
  }

  async status(chargeId: string): Promise<ChargeStatus> {
    const response = await fetch(new URL(`/v1/charges/${encodeURIComponent(chargeId)}`, this.baseUrl), {
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    if (!response.ok) throw new Error(`provider status HTTP ${response.status}`);
    const body = (await response.json()) as { status?: string; failureReason?: string | null };
    if (body.status === 'succeeded') return { state: 'succeeded' };
    if (body.status === 'failed') return { state: 'failed', reason: body.failureReason ?? 'declined' };
    return { state: 'pending' };
  }
}
