export interface ProbeResult {
  up: boolean;
  details?: Record<string, unknown>;
}

export interface ReadinessProbe {
  name: string;
  check(): Promise<ProbeResult>;
}

/**
 * What this service needs right now to do its job. Terminus does not turn readiness red on
 * SIGTERM (terminus#2569), so shutdown flips it here first and the service drains after.
 */
export class Readiness {
  private readonly probes: ReadinessProbe[] = [];
  private draining = false;

  add(probe: ReadinessProbe): this {
    this.probes.push(probe);
    return this;
  }

  startDraining(): void {
    this.draining = true;
  }

  isDraining(): boolean {
    return this.draining;
  }

  list(): readonly ReadinessProbe[] {
    return this.probes;
  }
}

/** A probe result within a deadline: a hung dependency reads as down, not as a hung probe. */
export async function checkWithin(probe: ReadinessProbe, timeoutMs: number): Promise<ProbeResult> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<ProbeResult>((resolve) => {
    timer = setTimeout(
      () => resolve({ up: false, details: { error: `no answer within ${timeoutMs} ms` } }),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([
      probe.check().catch((error: unknown) => ({ up: false, details: { error: String(error) } })),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Every probe's verdict as `/health/ready` reaches it, the lifecycle (draining or not) first. */
export async function probeVerdicts(
  readiness: Readiness,
  timeoutMs: number,
): Promise<{ probe: string; up: boolean }[]> {
  const probes = await Promise.all(
    readiness
      .list()
      .map(async (probe) => ({ probe: probe.name, up: (await checkWithin(probe, timeoutMs)).up })),
  );
  return [{ probe: 'lifecycle', up: !readiness.isDraining() }, ...probes];
}
