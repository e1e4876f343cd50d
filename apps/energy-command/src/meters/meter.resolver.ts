import { Inject } from '@nestjs/common';
import { Parent, ResolveField, ResolveReference, Resolver } from '@nestjs/graphql';
import { UUID_PATTERN } from '@voltstream/contracts';
import { Authenticator, GraphQLContext, isOwnerOrAdmin } from '@voltstream/platform';
import { DataSource } from 'typeorm';
import { MeterModel, toMeterModel } from './meter.graphql-model';
import { meterStore } from './meter-store';

@Resolver('Meter')
export class MeterResolver {
  constructor(
    @Inject(DataSource) private readonly db: DataSource,
    @Inject(Authenticator) private readonly auth: Authenticator,
  ) {}

  @ResolveField('owner')
  owner(@Parent() meter: MeterModel) {
    return { __typename: 'User', id: meter.ownerId };
  }

  /**
   * The gateway may fetch shareable Meter fields from this subgraph too: the same rule as
   * energy-query's `meter(id)`, so another user's meter looks exactly like a missing one.
   */
  @ResolveReference()
  async resolveReference(reference: { id: string }, context: GraphQLContext): Promise<MeterModel | null> {
    const caller = await this.auth.callerOf(context);
    if (!UUID_PATTERN.test(reference.id)) return null;
    const meter = await meterStore.find(this.db, reference.id);
    return meter && isOwnerOrAdmin(caller, meter.ownerId) ? toMeterModel(meter) : null;
  }
}
