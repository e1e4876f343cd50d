import { Queryable } from '@voltstream/platform';
import { money } from '../shared/money';
import { TariffView } from '../shared/views';

/** The tariff list's one cache group: tariffs are only ever added, so their count versions it. */
export const TARIFF_LIST_KEY = 'all';

interface TariffRow {
  id: string;
  name: string;
  currency: string;
  standing_charge_per_day_minor: string;
  rates: { fromHour: number; toHour: number; pricePerKwhMinor: number }[];
  created_at: Date;
  version: number;
}

const toView = (row: TariffRow): TariffView => ({
  id: row.id,
  name: row.name,
  currency: row.currency,
  standingChargePerDay: money(Number(row.standing_charge_per_day_minor), row.currency),
  rates: row.rates.map((rate) => ({
    fromHour: rate.fromHour,
    toHour: rate.toHour,
    pricePerKwh: money(rate.pricePerKwhMinor, row.currency),
  })),
  createdAt: row.created_at,
  version: row.version,
});

export async function findTariffs(db: Queryable, ids: readonly string[]): Promise<TariffView[]> {
  const rows = await db.query<TariffRow[]>('SELECT * FROM tariffs WHERE id = ANY($1::uuid[])', [ids]);
  return rows.map(toView);
}

/** Every tariff, oldest first; there are few, and they are never removed. */
export async function listTariffs(db: Queryable): Promise<TariffView[]> {
  const rows = await db.query<TariffRow[]>('SELECT * FROM tariffs ORDER BY created_at, id');
  return rows.map(toView);
}
