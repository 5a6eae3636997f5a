/**
 * Shared and exclusive work on one key: shared work runs together; exclusive work runs alone,
 * after all work queued before it, and work queued after it waits for it. Never rejects on behalf
 * of other work: each caller sees only its own work's outcome.
 */
export class NetworkLock {
  /** Settles when the last exclusive work has. */
  private exclusiveDone: Promise<void> = Promise.resolve()
  /** The shared work queued since the last exclusive work, settling. */
  private sharing = new Set<Promise<void>>()

  shared<T>(work: () => Promise<T>): Promise<T> {
    const run = this.exclusiveDone.then(work)
    const settled = run.then(ignore, ignore)
    this.sharing.add(settled)
    void settled.then(() => this.sharing.delete(settled))
    return run
  }

  exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = Promise.all([this.exclusiveDone, ...this.sharing]).then(work)
    this.exclusiveDone = run.then(ignore, ignore)
    this.sharing = new Set()
    return run
  }
}

function ignore(): void {}
