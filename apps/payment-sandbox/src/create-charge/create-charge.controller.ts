import { Body, Controller, Headers, Inject, Post, Res } from '@nestjs/common';
import { Response } from 'express';
import { ChargeDto, toChargeDto } from '../charges/charge';
import { CreateChargeHandler } from './create-charge.handler';
import { parseCreateCharge, parseIdempotencyKey } from './create-charge.input';

@Controller('v1/charges')
export class CreateChargeController {
  constructor(@Inject(CreateChargeHandler) private readonly handler: CreateChargeHandler) {}

  /** 201 with a new pending charge; 200 with the same charge when its key and body come again. */
  @Post()
  async create(
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Body() body: unknown,
    @Res({ passthrough: true }) response: Response,
  ): Promise<ChargeDto> {
    const key = parseIdempotencyKey(idempotencyKey);
    const { charge, replayed } = await this.handler.execute(key, parseCreateCharge(body));
    response.status(replayed ? 200 : 201);
    return toChargeDto(charge);
  }
}
