import { isValidTimeZone, localHour } from '@voltstream/calendar';
import { DomainError, FieldError, InvoiceLineKind } from '@voltstream/contracts';
import { BillingErrorCodes } from './billing-errors';
import { energyChargeMinor } from './money';
import { BillingPeriod, periodContains } from './period';
import { formatHour, rateIndexForHour, Tariff } from './tariff';

const HOUR_MS = 3_600_000;

/**
 * Energy a meter used in the UTC hour [hourStart, hourStart + 1 h). Rows are additive; an hour
 * with both measured and estimated energy is two rows.
 */
export interface UsageHour {
  meterId: string;
  hourStart: Date;
  wh: number;
  /** Estimated by energy (a gap in the readings), not measured; false when absent. */
  estimated?: boolean;
}

export interface BilledMeter {
  meterId: string;
  serialNumber: string;
  /** IANA zone whose local hours select the tariff band. */
  timezone: string;
}

export interface InvoiceLine {
  kind: InvoiceLineKind;
  description: string;
  meterId: string | null;
  /** Exact integer Wh; null for the standing charge; below 0 only on an adjustment. */
  quantityWh: number | null;
  amountMinor: number;
  /** The line prices estimated usage. */
  estimated: boolean;
}

export interface PricingContext {
  tariff: Tariff;
  meters: readonly BilledMeter[];
}

/**
 * The local hour whose band prices a UTC usage hour: the local hour that contains the UTC hour's
 * start instant. Where the offset is not whole hours (Asia/Kolkata, +05:30) a UTC hour starts at
 * local :30, so 00:00Z (05:30 local) is priced in the band of local hour 05. On a fall-back
 * night both UTC hours that start at local 01:xx fall in the 01:00 band; on a spring-forward
 * night no UTC hour starts in the skipped local hour, so its band gets nothing from it.
 */
export function bandHour(hourStart: Date, timezone: string): number {
  return localHour(hourStart, timezone);
}

export interface PricingOptions {
  path?: string;
  kind?: InvoiceLineKind;
  describe?: (line: string) => string;
  /** Rows may be below 0 (corrections of invoiced hours); otherwise a negative row is an error. */
  allowNegative?: boolean;
}

/** Marks the description of a line that prices estimated usage. */
export const ESTIMATED_SUFFIX = ' (estimated)';

/**
 * Per meter and rate band, a line for measured usage then one for estimated usage, each only when
 * its Wh total is not 0; meters by serial number, bands by hour. Each line is priced once from
 * its exact Wh total (see `roundHalfEven`), so measured and estimated parts never share a rounding.
 */
export function priceUsage(
  usage: readonly UsageHour[],
  period: BillingPeriod,
  context: PricingContext,
  options: PricingOptions = {},
): InvoiceLine[] {
  const { tariff } = context;
  const meters = metersById(context.meters);
  const path = options.path ?? 'usage';
  /** Per meter: Wh per band, measured and estimated apart. */
  const whByMeter = new Map<string, { measured: bigint[]; estimated: bigint[] }>();
  const errors: FieldError[] = [];
  usage.forEach((row, index) => {
    const problem = checkRow(row, period, meters, options.allowNegative ?? false);
    if (problem) {
      errors.push({
        path: `${path}[${index}].${problem.field}`,
        code: problem.code,
        message: problem.message,
      });
      return;
    }
    const meter = meters.get(row.meterId)!;
    const band = rateIndexForHour(tariff, bandHour(row.hourStart, meter.timezone));
    const parts = whByMeter.get(row.meterId) ?? {
      measured: tariff.rates.map(() => 0n),
      estimated: tariff.rates.map(() => 0n),
    };
    parts[row.estimated ? 'estimated' : 'measured'][band] += BigInt(row.wh);
    whByMeter.set(row.meterId, parts);
  });
  if (errors.length > 0) throw DomainError.fromFieldErrors(errors);

  const describe = options.describe ?? ((line: string) => line);
  const lines: InvoiceLine[] = [];
  for (const meter of sortMeters([...meters.values()])) {
    const parts = whByMeter.get(meter.meterId);
    if (!parts) continue;
    tariff.rates.forEach((rate, band) => {
      for (const estimated of [false, true]) {
        const wh = parts[estimated ? 'estimated' : 'measured'][band];
        if (wh === 0n) continue;
        const quantityWh = Number(wh);
        if (!Number.isSafeInteger(quantityWh)) {
          throw DomainError.fromFieldErrors([
            {
              path,
              code: BillingErrorCodes.invalidUsage,
              message: 'more energy than can be counted exactly',
            },
          ]);
        }
        const rateLabel = `${formatHour(rate.fromHour)}–${formatHour(rate.toHour)} @ ${rate.pricePerKwhMinor}/kWh`;
        lines.push({
          kind: options.kind ?? 'USAGE',
          description: describe(
            `Meter ${meter.serialNumber} · ${rateLabel}${estimated ? ESTIMATED_SUFFIX : ''}`,
          ),
          meterId: meter.meterId,
          quantityWh,
          amountMinor: energyChargeMinor(quantityWh, rate.pricePerKwhMinor),
          estimated,
        });
      }
    });
  }
  return lines;
}

interface RowProblem {
  field: 'meterId' | 'hourStart' | 'wh';
  code: string;
  message: string;
}

function checkRow(
  row: UsageHour,
  period: BillingPeriod,
  meters: ReadonlyMap<string, BilledMeter>,
  allowNegative: boolean,
): RowProblem | null {
  if (!meters.has(row.meterId)) {
    return {
      field: 'meterId',
      code: BillingErrorCodes.unknownMeter,
      message: 'is not a meter of this account',
    };
  }
  const at = row.hourStart.getTime();
  if (Number.isNaN(at) || at % HOUR_MS !== 0) {
    return { field: 'hourStart', code: BillingErrorCodes.invalidUsage, message: 'must start a UTC hour' };
  }
  if (!periodContains(period, row.hourStart)) {
    return {
      field: 'hourStart',
      code: BillingErrorCodes.usageOutsidePeriod,
      message: 'is outside the period',
    };
  }
  if (!Number.isSafeInteger(row.wh) || (row.wh < 0 && !allowNegative)) {
    return {
      field: 'wh',
      code: BillingErrorCodes.invalidUsage,
      message: allowNegative ? 'must be a whole number of Wh' : 'must be a whole number of Wh, at least 0',
    };
  }
  return null;
}

function metersById(meters: readonly BilledMeter[]): Map<string, BilledMeter> {
  const errors: FieldError[] = [];
  meters.forEach((meter, index) => {
    if (!isValidTimeZone(meter.timezone)) {
      errors.push({
        path: `meters[${index}].timezone`,
        code: BillingErrorCodes.invalidTimeZone,
        message: 'not an IANA time zone',
      });
    }
  });
  if (errors.length > 0) throw DomainError.fromFieldErrors(errors);
  return new Map(meters.map((meter) => [meter.meterId, meter]));
}

const sortMeters = (meters: readonly BilledMeter[]): BilledMeter[] =>
  [...meters].sort((a, b) => compare(a.serialNumber, b.serialNumber) || compare(a.meterId, b.meterId));

/** Code-unit order, the same in every locale. */
const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
