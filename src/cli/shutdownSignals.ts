/**
 * Ctrl-C and SIGTERM: the first one asks the running work to wind down (stop the topology, write
 * what was measured); a second one exits at once, and the process 'exit' handlers and the
 * watchdog still stop every server we started.
 */
export function onShutdownSignal(handler: (signal: NodeJS.Signals) => void): () => void {
  let received = 0;
  const listener = (signal: NodeJS.Signals): void => {
    received++;
    if (received === 1) {
      handler(signal);
      return;
    }
    process.stderr.write(`\n${signal} again: exiting now\n`);
    process.exit(130);
  };
  process.on('SIGINT', listener);
  process.on('SIGTERM', listener);
  return () => {
    process.off('SIGINT', listener);
    process.off('SIGTERM', listener);
  };
}

/** Resolves on the first SIGINT/SIGTERM. */
export function untilShutdownSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const off = onShutdownSignal((s) => {
      off();
      resolve(s);
    });
  });
}
