import { ServiceMetrics } from '@voltstream/platform';
import { Counter, Gauge } from 'prom-client';

/**
 * The monthly billing run on /metrics: an operator sees a run start (how many accounts are due),
 * advance batch by batch, and end; a run cut short by a crash shows as `running` 1 on a process
 * that is gone, and the next run (any instance) starts with what is still due.
 */
export class BillingRunMetrics {
  private readonly running: Gauge;
  private readonly due: Gauge;
  private readonly remaining: Gauge;
  private readonly issued: Counter;
  private readonly failedBatches: Counter;
  private readonly periodEnd: Gauge;
  private readonly lastFinished: Gauge;

  constructor(metrics: ServiceMetrics) {
    const registers = [metrics.registry];
    this.running = new Gauge({
      name: 'billing_run_running',
      help: '1 while this instance runs billing',
      registers,
    });
    this.due = new Gauge({
      name: 'billing_run_accounts_due',
      help: 'Accounts due when the current (or last) billing run started',
      registers,
    });
    this.remaining = new Gauge({
      name: 'billing_run_accounts_remaining',
      help: 'Accounts the current (or last) billing run has not reached yet',
      registers,
    });
    this.issued = new Counter({
      name: 'billing_run_invoices_issued_total',
      help: 'Invoices the billing run issued',
      registers,
    });
    this.failedBatches = new Counter({
      name: 'billing_run_failed_batches_total',
      help: 'Batches rolled back (their accounts stay due for the next run)',
      registers,
    });
    this.periodEnd = new Gauge({
      name: 'billing_run_period_end_seconds',
      help: 'End of the period the current (or last) billing run bills, as a Unix time',
      registers,
    });
    this.lastFinished = new Gauge({
      name: 'billing_run_last_finished_seconds',
      help: 'When the last billing run finished (its failed batches, if any, stay due for the next), as a Unix time',
      registers,
    });
  }

  started(periodEnd: Date, due: number): void {
    this.running.set(1);
    this.periodEnd.set(periodEnd.getTime() / 1000);
    this.due.set(due);
    this.remaining.set(due);
  }

  batchDone(issued: number, remaining: number): void {
    this.issued.inc(issued);
    this.remaining.set(remaining);
  }

  batchFailed(remaining: number): void {
    this.failedBatches.inc();
    this.remaining.set(remaining);
  }

  finished(now = new Date()): void {
    this.running.set(0);
    this.lastFinished.set(now.getTime() / 1000);
  }
}
