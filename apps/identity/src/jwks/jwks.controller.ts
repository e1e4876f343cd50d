import { Controller, Get, Header, Inject } from '@nestjs/common';
import { SigningKeys } from '../tokens/signing-keys';

/** Public keys for verifying access tokens; the gateway and subgraphs fetch them from here. */
@Controller('.well-known')
export class JwksController {
  constructor(@Inject(SigningKeys) private readonly keys: SigningKeys) {}

  @Get('jwks.json')
  @Header('Cache-Control', 'public, max-age=300')
  jwks() {
    return this.keys.jwks();
  }
}
