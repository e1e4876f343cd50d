import { DomainError, FieldError, TariffCreatedV1 } from '@voltstream/contracts';
import { BillingErrorCodes } from './billing-errors';
import { CURRENCY_PATTERN } from './money';

/** Price of the local hours [fromHour, toHour) of every day. */
export interface TariffRate {
  fromHour: number;
  toHour: number;
  pricePerKwhMinor: number;
}

/** Validated terms: the rates sorted by hour and covering local hours [0, 24) exactly once. */
export interface Tariff {
  name: string;
  currency: string;
  standingChargePerDayMinor: number;
  rates: readonly TariffRate[];
}

export interface TariffInput {
  name: string;
  currency: string;
  standingChargePerDayMinor: number;
  rates: readonly TariffRate[];
}

export interface CreateTariff {
  type: 'CreateTariff';
  tariffId: string;
  input: TariffInput;
  now: Date;
}

const isMinor = (value: number) => Number.isSafeInteger(value) && value >= 0;
const isHour = (value: number) => Number.isInteger(value) && value >= 0 && value <= 24;

/** Validates and normalises tariff terms; every problem is reported with its field path. */
export function createTariff(input: TariffInput): Tariff {
  const errors: FieldError[] = [];
  const name = input.name.trim();
  if (name.length < 1 || name.length > 100) {
    errors.push({
      path: 'input.name',
      code: BillingErrorCodes.invalidTariffName,
      message: '1 to 100 characters',
    });
  }
  if (!CURRENCY_PATTERN.test(input.currency)) {
    errors.push({
      path: 'input.currency',
      code: BillingErrorCodes.invalidCurrency,
      message: 'an ISO-4217 code of three upper-case letters',
    });
  }
  if (!isMinor(input.standingChargePerDayMinor)) {
    errors.push({
      path: 'input.standingChargePerDayMinor',
      code: BillingErrorCodes.invalidAmount,
      message: 'a whole number of minor units, at least 0',
    });
  }
  const rateErrors = input.rates.flatMap((rate, index) => checkRate(rate, `input.rates[${index}]`));
  errors.push(...rateErrors);
  if (rateErrors.length === 0) errors.push(...checkCoverage(input.rates));
  if (errors.length > 0) throw DomainError.fromFieldErrors(errors);
  const rates = input.rates
    .map(({ fromHour, toHour, pricePerKwhMinor }) => ({ fromHour, toHour, pricePerKwhMinor }))
    .sort((a, b) => a.fromHour - b.fromHour);
  return {
    name,
    currency: input.currency,
    standingChargePerDayMinor: input.standingChargePerDayMinor,
    rates,
  };
}

function checkRate(rate: TariffRate, path: string): FieldError[] {
  const errors: FieldError[] = [];
  if (!isHour(rate.fromHour) || !isHour(rate.toHour) || rate.fromHour >= rate.toHour) {
    errors.push({
      path: `${path}.${isHour(rate.fromHour) ? 'toHour' : 'fromHour'}`,
      code: BillingErrorCodes.invalidRateHours,
      message: 'whole hours 0..24 with fromHour < toHour',
    });
  }
  if (!isMinor(rate.pricePerKwhMinor)) {
    errors.push({
      path: `${path}.pricePerKwhMinor`,
      code: BillingErrorCodes.invalidAmount,
      message: 'a whole number of minor units, at least 0',
    });
  }
  return errors;
}

/** Walks the rates by start hour: a start after the covered hours is a gap, before it an overlap. */
function checkCoverage(rates: readonly TariffRate[]): FieldError[] {
  const errors: FieldError[] = [];
  const byStart = rates
    .map((rate, index) => ({ rate, index }))
    .sort((a, b) => a.rate.fromHour - b.rate.fromHour);
  let coveredTo = 0;
  for (const { rate, index } of byStart) {
    const path = `input.rates[${index}].fromHour`;
    if (rate.fromHour > coveredTo) {
      errors.push({
        path,
        code: BillingErrorCodes.tariffRatesGap,
        message: `no rate covers ${formatHour(coveredTo)}–${formatHour(rate.fromHour)}`,
      });
    } else if (rate.fromHour < coveredTo) {
      errors.push({
        path,
        code: BillingErrorCodes.tariffRatesOverlap,
        message: `${formatHour(rate.fromHour)}–${formatHour(Math.min(coveredTo, rate.toHour))} is covered twice`,
      });
    }
    coveredTo = Math.max(coveredTo, rate.toHour);
  }
  if (coveredTo < 24) {
    errors.push({
      path: 'input.rates',
      code: BillingErrorCodes.tariffRatesGap,
      message: `no rate covers ${formatHour(coveredTo)}–24:00`,
    });
  }
  return errors;
}

export const formatHour = (hour: number): string => `${String(hour).padStart(2, '0')}:00`;

/** The rate whose band holds a local hour of the day (0..23). */
export function rateIndexForHour(tariff: Tariff, localHour: number): number {
  const index = tariff.rates.findIndex((rate) => rate.fromHour <= localHour && localHour < rate.toHour);
  if (index < 0) throw new RangeError(`tariff does not cover local hour ${localHour}`);
  return index;
}

export function decideCreateTariff(command: CreateTariff): TariffCreatedV1 {
  const tariff = createTariff(command.input);
  return {
    tariffId: command.tariffId,
    ...tariff,
    rates: [...tariff.rates],
    createdAt: command.now.toISOString(),
  };
}

export function tariffFromCreated(event: TariffCreatedV1): Tariff {
  const { name, currency, standingChargePerDayMinor, rates } = event;
  return { name, currency, standingChargePerDayMinor, rates };
}
