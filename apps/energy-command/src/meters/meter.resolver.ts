import { Inject } from '@nestjs/common';
import { Parent, ResolveField, ResolveReference, Resolver } from '@nestjs/graphql';
import { UUID_PATTERN } from '@voltstream/contracts';
import { DataSource } from 'typeorm';
import { MeterModel, toMeterModel } from './meter.graphql-model';
import { meterStore } from './meter-store';

@Resolver('Meter')
export class MeterResolver {
  constructor(@Inject(DataSource) private readonly db: DataSource) {}

  @ResolveField('owner')
  owner(@Parent() meter: MeterModel) {
    return { __typename: 'User', id: meter.ownerId };
  }

  /** The gateway may fetch shareable Meter fields from this subgraph too. */
  @ResolveReference()
  async resolveReference(reference: { id: string }): Promise<MeterModel | null> {
    if (!UUID_PATTERN.test(reference.id)) return null;
    const meter = await meterStore.find(this.db, reference.id);
    return meter ? toMeterModel(meter) : null;
  }
}
