import { ArgumentsHost, Catch, HttpException, HttpServer } from '@nestjs/common';
import { BaseExceptionFilter } from '@nestjs/core';
import { JsonLogger } from '@voltstream/platform';
import { Request, Response } from 'express';
import { ApiError } from './api-error';

/**
 * Every failure under /v1 in one shape, `{ error: { code, message } }`, including malformed JSON
 * and unknown routes, which fail before any controller is reached (so the filter is global).
 * Other paths (probes, metrics) keep Nest's own answers. No stack or SQL reaches a caller.
 */
@Catch()
export class ApiErrorFilter extends BaseExceptionFilter {
  constructor(
    private readonly logger: JsonLogger,
    httpAdapter: HttpServer,
  ) {
    super(httpAdapter);
  }

  override catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    if (!http.getRequest<Request>().path.startsWith('/v1/')) return super.catch(exception, host);
    const error = this.toApiError(exception);
    http.getResponse<Response>().status(error.status).json(error.body());
  }

  private toApiError(exception: unknown): ApiError {
    if (exception instanceof ApiError) return exception;
    if (exception instanceof HttpException && exception.getStatus() < 500) {
      return exception.getStatus() === 404
        ? new ApiError(404, 'NOT_FOUND', 'no such resource')
        : new ApiError(exception.getStatus(), 'INVALID_REQUEST', exception.message);
    }
    this.logger.event('error', 'charges API failed', {
      error: exception instanceof Error ? exception.message : String(exception),
      stack: exception instanceof Error ? exception.stack : undefined,
    });
    return new ApiError(500, 'INTERNAL', 'internal error');
  }
}
