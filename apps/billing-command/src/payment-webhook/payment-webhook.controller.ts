import { Controller, HttpCode, Inject, Post, Req, Res } from '@nestjs/common';
import { verifyWebhookSignature, WEBHOOK_SIGNATURE_HEADER } from '@voltstream/platform';
import type { Request, Response } from 'express';
import { SettlePaymentHandler } from './settle-payment.handler';

export const WEBHOOK_SECRET = Symbol('WEBHOOK_SECRET');

interface ProviderEvent {
  id?: unknown;
  type?: unknown;
  data?: { reference?: unknown; amountMinor?: unknown; currency?: unknown; failureReason?: unknown };
  createdAt?: unknown;
}

/**
 * The payment provider's webhook. The raw body is kept (main.ts) because the signature covers
 * the exact bytes. A bad signature is 400 and changes nothing; a replayed event is 200 and
 * changes nothing; an unknown payment is acknowledged (200) so the provider stops retrying.
 */
@Controller('webhooks')
export class PaymentWebhookController {
  constructor(
    @Inject(SettlePaymentHandler) private readonly settle: SettlePaymentHandler,
    @Inject(WEBHOOK_SECRET) private readonly secret: string,
  ) {}

  @Post('payments')
  @HttpCode(200)
  async receive(@Req() req: Request, @Res() res: Response): Promise<void> {
    const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const signature = req.header(WEBHOOK_SIGNATURE_HEADER);
    if (!verifyWebhookSignature(this.secret, raw, signature)) {
      res.status(400).json({ error: { code: 'BAD_SIGNATURE', message: 'signature does not verify' } });
      return;
    }
    let event: ProviderEvent;
    try {
      event = JSON.parse(raw.toString('utf8')) as ProviderEvent;
    } catch {
      res.status(400).json({ error: { code: 'BAD_BODY', message: 'not JSON' } });
      return;
    }
    const data = event.data ?? {};
    const succeeded = event.type === 'charge.succeeded';
    if (
      typeof event.id !== 'string' ||
      (!succeeded && event.type !== 'charge.failed') ||
      typeof data.reference !== 'string' ||
      typeof data.amountMinor !== 'number' ||
      typeof data.currency !== 'string'
    ) {
      res
        .status(400)
        .json({ error: { code: 'BAD_EVENT', message: 'not a charge.succeeded or charge.failed event' } });
      return;
    }
    const at =
      typeof event.createdAt === 'string' && !Number.isNaN(Date.parse(event.createdAt))
        ? new Date(event.createdAt)
        : new Date();
    const result = await this.settle.execute({
      eventId: event.id,
      paymentId: data.reference,
      amountMinor: data.amountMinor,
      currency: data.currency,
      outcome: succeeded
        ? { status: 'SUCCEEDED', at }
        : {
            status: 'FAILED',
            at,
            reason: typeof data.failureReason === 'string' ? data.failureReason : 'declined',
          },
    });
    res.status(result === 'mismatch' ? 422 : 200).json({ received: true, result });
  }
}
