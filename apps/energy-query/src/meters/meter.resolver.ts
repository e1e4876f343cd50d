import { Inject } from '@nestjs/common';
import { Args, Context, Parent, Query, ResolveField, ResolveReference, Resolver } from '@nestjs/graphql';
import {
  decodeConsistencyToken,
  DomainError,
  ENERGY_AGGREGATE,
  ErrorCodes,
  notFound,
  UUID_PATTERN,
} from '@voltstream/contracts';
import { Authenticator, Caller, consistencyTokenOf, GraphQLContext } from '@voltstream/platform';
import { ConsumptionArgs, ConsumptionPage, readConsumption } from '../consumption/consumption-reads';
import { EnergyQueryRuntime } from '../runtime';
import { findMeter, MeterView, metersOwnedBy, waitForMeterVersion } from './meter-reads';

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
    const meter = await this.runtime.readSide.router.read(async (db) => {
      if (minVersion > 0)
        await waitForMeterVersion(db, id, minVersion, this.runtime.config.consistencyWaitMs);
      return findMeter(db, id);
    });
    if (!meter || !canRead(caller, meter)) throw notFound('meter');
    return meter;
  }

  @Query('myMeters')
  async myMeters(@Context() context: GraphQLContext): Promise<MeterView[]> {
    const caller = await this.auth.callerOf(context);
    return this.runtime.readSide.router.read((db) => metersOwnedBy(db, caller.userId, MY_METERS_LIMIT));
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
    const page = await this.runtime.readSide.router.read(async (db) => {
      // Same database as the read below: the page reflects at least what the meter showed.
      await waitForMeterVersion(db, meter.id, minVersion, this.runtime.config.consistencyWaitMs);
      return readConsumption(db, meter, args);
    });
    await this.runtime.cache.set(meter.id, field, minVersion, page);
    return page;
  }

  @ResolveReference()
  async resolveReference(reference: { id: string }): Promise<MeterView | null> {
    if (!UUID_PATTERN.test(reference.id)) return null;
    return this.runtime.readSide.router.read((db) => findMeter(db, reference.id));
  }

  /** The version a token asks for; tokens of other objects ask for nothing here. */
  private tokenVersion(text: string | undefined, meterId: string): number {
    if (!text) return 0;
    const token = decodeConsistencyToken(text);
    if (!token) {
      throw new DomainError(ErrorCodes.badUserInput, 'consistency is not a token this API issued', [
        { path: 'consistency', code: ErrorCodes.badUserInput, message: 'unknown token' },
      ]);
    }
    return token.aggregateType === ENERGY_AGGREGATE && token.aggregateId === meterId ? token.version : 0;
  }
}

const canRead = (caller: Caller, meter: MeterView): boolean =>
  meter.ownerId === caller.userId || caller.roles.includes('ADMIN');
