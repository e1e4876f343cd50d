import { DomainError } from '@voltstream/contracts';
import { BillingErrorCodes } from './billing-errors';
import { proratedDailyMinor } from './money';
import { BillingPeriod, describePeriod, validatePeriod } from './period';
import { Tariff } from './tariff';
import { InvoiceLine, priceUsage, PricingContext, UsageHour } from './usage-pricing';

/** Usage that arrived after its period was invoiced (late readings), with that period. */
export interface LateUsage {
  period: BillingPeriod;
  usage: readonly UsageHour[];
  /** The tariff that applied in that period; the invoice's own tariff when absent. */
  tariff?: Tariff;
}

export interface InvoiceLinesInput extends PricingContext {
  period: BillingPeriod;
  periodUsage: readonly UsageHour[];
  lateUsage?: readonly LateUsage[];
}

/**
 * The standing charge of a period: perDay × exact period length / 24 h, rounded half to even.
 * A partial period is prorated to the millisecond; a local DST day counts what it lasts (23 or
 * 25 hours), because the charge follows elapsed time, not calendar days.
 */
export function standingChargeLine(period: BillingPeriod, tariff: Tariff): InvoiceLine {
  const durationMs = period.end.getTime() - period.start.getTime();
  return {
    kind: 'STANDING_CHARGE',
    description: `Standing charge · ${formatDuration(durationMs)} @ ${tariff.standingChargePerDayMinor}/day`,
    meterId: null,
    quantityWh: null,
    amountMinor: proratedDailyMinor(tariff.standingChargePerDayMinor, durationMs),
    estimated: false,
  };
}

/**
 * Every line of an invoice, in a stable order: the period's usage (by meter, then band, measured
 * before estimated), the standing charge, then adjustments for late usage (by original period,
 * then meter and band), priced like any usage and prefixed `Adjustment: <original period> · `.
 *
 * Late usage may be negative: when a real reading replaces an estimate of an invoiced hour, the
 * adjustment bills the real Wh as measured and takes the estimate back as negative estimated Wh,
 * so per band the next invoice carries exactly price(real) − price(estimate) of the late hours.
 */
export function buildInvoiceLines(input: InvoiceLinesInput): InvoiceLine[] {
  const { period, tariff } = input;
  validatePeriod(period);
  const context: PricingContext = { tariff, meters: input.meters };
  const usageLines = priceUsage(input.periodUsage, period, context, { path: 'periodUsage' });
  const late = (input.lateUsage ?? [])
    .map((entry, index) => ({ entry, index }))
    .sort((a, b) => a.entry.period.start.getTime() - b.entry.period.start.getTime());
  const adjustmentLines = late.flatMap(({ entry, index }) => {
    const path = `lateUsage[${index}]`;
    validatePeriod(entry.period, `${path}.period`);
    if (entry.period.end.getTime() > period.start.getTime()) {
      throw DomainError.fromFieldErrors([
        {
          path: `${path}.period.periodEnd`,
          code: BillingErrorCodes.invalidAdjustmentPeriod,
          message: 'late usage must belong to a period that ended before this one',
        },
      ]);
    }
    const original = describePeriod(entry.period);
    return priceUsage(
      entry.usage,
      entry.period,
      { ...context, tariff: entry.tariff ?? tariff },
      {
        path: `${path}.usage`,
        kind: 'ADJUSTMENT',
        describe: (line) => `Adjustment: ${original} · ${line}`,
        allowNegative: true,
      },
    );
  });
  return [...usageLines, standingChargeLine(period, tariff), ...adjustmentLines];
}

function formatDuration(ms: number): string {
  const minutes = Math.floor(ms / 60_000);
  const parts = [`${Math.floor(minutes / 1440)} d`, `${Math.floor(minutes / 60) % 24} h`];
  if (minutes % 60 !== 0) parts.push(`${minutes % 60} min`);
  return parts.join(' ');
}
