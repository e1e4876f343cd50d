import { eventually } from '@voltstream/testing';
import { createServer, IncomingHttpHeaders, Server } from 'node:http';
import { AddressInfo } from 'node:net';

export interface ReceivedWebhook {
  headers: IncomingHttpHeaders;
  rawBody: string;
  receivedAt: number;
  /** The status this receiver answered with. */
  answered: number;
}

/**
 * A webhook endpoint on 127.0.0.1, as billing would run one: it records every request with its
 * raw body and answers with what `respond` says (by default 200).
 */
export class WebhookReceiver {
  readonly requests: ReceivedWebhook[] = [];
  respond: (request: { rawBody: string; attempt: number }) => number = () => 200;
  private server: Server | undefined;

  async start(): Promise<this> {
    const server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const rawBody = Buffer.concat(chunks).toString('utf8');
        const attempt = this.requests.filter((r) => r.rawBody === rawBody).length + 1;
        const answered = this.respond({ rawBody, attempt });
        this.requests.push({ headers: request.headers, rawBody, receivedAt: Date.now(), answered });
        response.writeHead(answered, { 'content-type': 'text/plain' }).end(answered < 300 ? 'ok' : 'no');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.server = server;
    return this;
  }

  get url(): string {
    const { port } = this.server!.address() as AddressInfo;
    return `http://127.0.0.1:${port}/webhooks/payments`;
  }

  /** Requests whose body is an event about this charge, in arrival order. */
  forCharge(chargeId: string): ReceivedWebhook[] {
    return this.requests.filter((r) => {
      const event = JSON.parse(r.rawBody) as { data?: { chargeId?: string } };
      return event.data?.chargeId === chargeId;
    });
  }

  /** Waits until `count` requests about the charge arrived; returns them. */
  async waitFor(chargeId: string, count = 1, timeoutMs = 15_000): Promise<ReceivedWebhook[]> {
    return eventually(
      async () => {
        const received = this.forCharge(chargeId);
        return received.length >= count ? received : undefined;
      },
      timeoutMs,
      `${count} webhook request(s) for ${chargeId}`,
    );
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
