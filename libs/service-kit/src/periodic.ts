/** A background job of a service (sweeper, publisher, checker) started by `runPeriodically`. */
export interface PeriodicTask {
  /** No pass starts after this; resolves once a pass in flight has finished (so none outlives the DataSource). */
  stop(): Promise<void>;
}

/**
 * Runs `pass` every `intervalMs`, the next one scheduled only when the previous has ended, so two
 * passes never overlap however slow one is. A failed pass goes to `onError` and the next runs as
 * usual. The timer does not keep the process alive.
 */
export function runPeriodically(intervalMs: number, pass: () => Promise<unknown>, onError: (error: unknown) => void): PeriodicTask {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      running = pass()
        .then(() => undefined, onError)
        .finally(() => {
          running = undefined;
          schedule();
        });
    }, intervalMs);
    timer.unref();
  };
  schedule();
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
