/**
 * Ctrl-C / SIGTERM handling for long runs: the first signal asks the loop to stop after the
 * current step (it then saves a checkpoint and exits); a second one exits at once.
 */
export class StopSignal {
  requested = false;
  private readonly handler = (sig: NodeJS.Signals) => {
    if (this.requested) process.exit(130);
    this.requested = true;
    process.stderr.write(`\nglimpse: ${sig} received — finishing this step, saving a checkpoint and exiting (send again to exit now)\n`);
  };

  install(): this {
    process.on('SIGINT', this.handler);
    process.on('SIGTERM', this.handler);
    return this;
  }

  dispose(): void {
    process.off('SIGINT', this.handler);
    process.off('SIGTERM', this.handler);
  }
}
