import { Controller, Get, Inject, Param, Query } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ChargeDto, toChargeDto } from '../charges/charge';
import { chargeStore } from '../charges/charge-store';
import { ApiError } from '../http/api-error';

const MAX_LISTED = 100;

/** Reads for reconciliation: one charge by id, or the charges made for one reference. */
@Controller('v1/charges')
export class GetChargesController {
  constructor(@Inject(DataSource) private readonly db: DataSource) {}

  @Get(':id')
  async byId(@Param('id') id: string): Promise<ChargeDto> {
    const charge = await chargeStore.byId(this.db, id);
    if (!charge) throw new ApiError(404, 'NOT_FOUND', `no charge ${id}`);
    return toChargeDto(charge);
  }

  /** Oldest first, at most 100: a reference is one invoice payment, retried a few times at most. */
  @Get()
  async byReference(@Query('reference') reference: unknown): Promise<{ data: ChargeDto[] }> {
    if (typeof reference !== 'string' || reference === '') {
      throw ApiError.invalid('reference', 'the reference query parameter is required');
    }
    const charges = await chargeStore.byReference(this.db, reference, MAX_LISTED);
    return { data: charges.map(toChargeDto) };
  }
}
