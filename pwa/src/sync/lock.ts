// One sender at a time across tabs and the service worker: a Web Lock where the browser has
// them; otherwise a per-context queue (old Safari has no navigator.locks).
type Task<T> = () => Promise<T>

interface LockManagerLike {
  request<T>(name: string, options: { ifAvailable?: boolean }, cb: (lock: unknown) => Promise<T>): Promise<T>
}

const held = new Map<string, Promise<unknown>>()

function lockManager(): LockManagerLike | undefined {
  const nav = (globalThis as { navigator?: { locks?: LockManagerLike } }).navigator
  return nav?.locks
}

/** Runs `task` holding the lock `name`; with `ifAvailable`, returns `busy` when someone holds it. */
export async function withLock<T>(name: string, task: Task<T>, opts: { ifAvailable?: boolean } = {}): Promise<T | typeof BUSY> {
  const locks = lockManager()
  if (locks) {
    return locks.request(name, { ifAvailable: opts.ifAvailable ?? false }, async (lock) => {
      if (lock === null) return BUSY
      return task()
    })
  }
  const current = held.get(name)
  if (current && opts.ifAvailable) return BUSY
  const run = (current ?? Promise.resolve()).catch(() => undefined).then(task)
  held.set(name, run)
  try {
    return await run
  } finally {
    if (held.get(name) === run) held.delete(name)
  }
}

export const BUSY = Symbol('busy')
