import { Inject } from '@nestjs/common';
import { Args, Context, Mutation, Resolver } from '@nestjs/graphql';
import { Authenticator, GraphQLContext } from '@voltstream/platform';
import { MeterModel, toMeterModel } from '../meters/meter.graphql-model';
import { RegisterMeterHandler } from './register-meter.handler';

interface RegisterMeterInput {
  serialNumber: string;
  timezone: string;
  intervalMinutes?: number | null;
}

@Resolver()
export class RegisterMeterResolver {
  constructor(
    @Inject(RegisterMeterHandler) private readonly handler: RegisterMeterHandler,
    @Inject(Authenticator) private readonly auth: Authenticator,
  ) {}

  @Mutation('registerMeter')
  async registerMeter(
    @Args('input') input: RegisterMeterInput,
    @Context() context: GraphQLContext,
  ): Promise<MeterModel> {
    const caller = await this.auth.callerOf(context);
    const meter = await this.handler.execute({
      callerId: caller.userId,
      serialNumber: input.serialNumber,
      timezone: input.timezone,
      intervalMinutes: input.intervalMinutes ?? undefined,
    });
    return toMeterModel(meter, meter.consistencyToken);
  }
}
