import { Inject } from '@nestjs/common';
import { Args, Context, Parent, Query, ResolveField, ResolveReference, Resolver } from '@nestjs/graphql';
import { ENERGY_AGGREGATE, issuedConsistencyToken, notFound, UUID_PATTERN } from '@voltstream/contracts';
import { Authenticator, consistencyTokenOf, GraphQLContext, isOwnerOrAdmin } from '@voltstream/platform';
import { MeterDataQuality } from '@voltstream/energy';
import { ConsumptionArgs, ConsumptionPage, readConsumption } from '../consumption/consumption-reads';
import { DataQualityArgs, readDataQuality } from '../quality/data-quality-reads';
import { EnergyQueryRuntime } from '../runtime';
import { readsOf } from './energy-reads';
import { MeterView, metersOwnedBy, waitForMeterVersion } from './meter-reads';

const MY_METERS_LIMIT = 1000;

@Resolver('Meter')
export class MeterResolver {
  constructor(
    @Inject(EnergyQueryRuntime) private readonly runtime: EnergyQueryRuntime,
    @Inject(Authenticator) private readonly auth: Authenticator,
  ) {}

  @Query('meter')
  async meter(
    @Args('id') id: string,
    @Args('consistency') consistency: string | null,
    @Context() context: GraphQLContext,
  ): Promise<MeterView> {
    const caller = await this.auth.callerOf(context);
    if (!UUID_PATTERN.test(id)) throw notFound('meter');
    const minVersion = this.tokenVersion(consistencyTokenOf(context, consistency), id);
    const meter = await readsOf(this.runtime, context).meter(id, minVersion);
    if (!meter || !isOwnerOrAdmin(caller, meter.ownerId)) throw notFound('meter');
    return meter;
  }

  @Query('myMeters')
  async myMeters(@Context() context: GraphQLContext): Promise<MeterView[]> {
    const caller = await this.auth.callerOf(context);
    return readsOf(this.runtime, context).read((db) => metersOwnedBy(db, caller.userId, MY_METERS_LIMIT));
  }

  @ResolveField('owner')
  owner(@Parent() meter: MeterView) {
    return { __typename: 'User', id: meter.ownerId };
  }

  @ResolveField('consumption')
  async consumption(
    @Parent() meter: MeterView,
    @Args() args: ConsumptionArgs & { consistency?: string | null },
    @Context() context: GraphQLContext,
  ): Promise<ConsumptionPage> {
    const minVersion = Math.max(
      meter.version,
      this.tokenVersion(consistencyTokenOf(context, args.consistency), meter.id),
    );
    const field = [
      args.granularity,
      args.from.toISOString(),
      args.to.toISOString(),
      args.first ?? '',
      args.after ?? '',
    ].join('|');
    const cached = await this.runtime.cache.get<ConsumptionPage>(meter.id, field, minVersion);
    if (cached) return cached;
    const page = await readsOf(this.runtime, context).read(async (db) => {
      // Same database as the read below: the page reflects at least what the meter showed.
      await waitForMeterVersion(db, meter.id, minVersion, this.runtime.config.consistencyWaitMs);
      return readConsumption(db, meter, args);
    });
    await this.runtime.cache.set(meter.id, field, minVersion, page);
    return page;
  }

  /** Never cached: it is cheap (two queries) and its window moves with now. */
  @ResolveField('dataQuality')
  async dataQuality(
    @Parent() meter: MeterView,
    @Args() args: DataQualityArgs & { consistency?: string | null },
    @Context() context: GraphQLContext,
  ): Promise<MeterDataQuality> {
    const minVersion = Math.max(
      meter.version,
      this.tokenVersion(consistencyTokenOf(context, args.consistency), meter.id),
    );
    return readsOf(this.runtime, context).read(async (db) => {
      await waitForMeterVersion(db, meter.id, minVersion, this.runtime.config.consistencyWaitMs);
      return readDataQuality(db, meter, args, new Date());
    });
  }

  /** The same rule as `meter(id)`: another user's meter looks exactly like a missing one. */
  @ResolveReference()
  async resolveReference(reference: { id: string }, context: GraphQLContext): Promise<MeterView | null> {
    const caller = await this.auth.callerOf(context);
    if (!UUID_PATTERN.test(reference.id)) return null;
    const meter = await readsOf(this.runtime, context).meter(reference.id);
    return meter && isOwnerOrAdmin(caller, meter.ownerId) ? meter : null;
  }

  /** The version a token asks for; tokens of other objects ask for nothing here. */
  private tokenVersion(text: string | undefined, meterId: string): number {
    const token = issuedConsistencyToken(text);
    return token?.aggregateType === ENERGY_AGGREGATE && token.aggregateId === meterId ? token.version : 0;
  }
}
