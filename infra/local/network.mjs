// Port checks. The default ports sit below Linux's ephemeral range
// (32768-60999); an overridden port inside it may be taken as the *source*
// port of any client connection while its server is down, and starting the
// server then fails with "Address already in use" until that connection is
// gone (TIME_WAIT included). So we wait for the port before starting, and
// retry a start that lost the race.
import net from 'node:net';
import { logSince, logTail } from './logfiles.mjs';
import { InfraError, log, sleep } from './processes.mjs';

/** A start-up failure caused by a port being taken; worth another attempt. */
export class BindConflict extends InfraError {}

/** True when something accepts TCP connections on 127.0.0.1:port. */
export function isListening(port, timeoutMs = 1000) {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    const done = (result) => {
      socket.destroy();
      resolve(result);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** True when a server could bind 127.0.0.1:port now (Node, like the servers, sets SO_REUSEADDR). */
function canBind(port) {
  return new Promise((resolve) => {
    const server = net.createServer();
    // Only "in use" means wait; any other refusal is left for the server to report.
    server.once('error', (error) => resolve(error.code !== 'EADDRINUSE'));
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/**
 * Fails at once when another server listens on one of `portsByEnv`
 * ({ ENV_NAME: port }). Otherwise waits while a client connection holds it:
 * a client that closed first keeps the port in TIME_WAIT for 60 s, and even
 * SO_REUSEADDR does not let a server bind over a client's TIME_WAIT.
 */
export async function ensurePortsFree(label, portsByEnv) {
  for (const [envName, port] of Object.entries(portsByEnv)) {
    const deadline = Date.now() + 75_000;
    let announced = false;
    while (!(await canBind(port))) {
      if (await isListening(port)) {
        throw new InfraError(
          `${label}: port ${port} is already used by a server this profile did not start; pick another with ${envName}`,
        );
      }
      if (Date.now() > deadline) {
        throw new InfraError(
          `${label}: port ${port} stays held by a client connection (ss -tanp | grep :${port}); pick another with ${envName}`,
        );
      }
      if (!announced)
        log(
          `${label}: port ${port} is the source port of a client connection (TIME_WAIT lasts up to 60 s); waiting`,
        );
      announced = true;
      await sleep(500);
    }
  }
}

/** The error for a server that died while starting; a BindConflict when its log says why. */
export function startupFailure(label, logFile, offset) {
  const conflict = /Address already in use/i.test(logSince(logFile, offset));
  const ErrorClass = conflict ? BindConflict : InfraError;
  return new ErrorClass(`${label} exited during start-up; read ${logFile}${logTail(logFile)}`);
}

/** Runs `attempt` up to 3 times while it fails with a BindConflict. */
export async function retryOnBindConflict(label, attempt) {
  for (let tries = 1; ; tries++) {
    try {
      return await attempt();
    } catch (error) {
      if (!(error instanceof BindConflict) || tries === 3) throw error;
      log(`${label}: a client connection took its port while it was starting; retrying`);
      await sleep(1000);
    }
  }
}
