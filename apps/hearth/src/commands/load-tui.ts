/**
 * Loads the terminal UI (React and Ink) for `hearth dev`, on a terminal only: no other command, nor
 * the line view, imports it.
 *
 * React and its reconciler choose their build when they are first imported, from NODE_ENV: the
 * development build checks and warns on every render and costs several times the CPU (measured in
 * `pnpm bench tui`). hearth is no development build of React, so NODE_ENV is `production` for the
 * import, and put back right after: the test hosts and services hearth starts inherit the
 * environment, and a project's tests must see the NODE_ENV they would see without hearth.
 */
export async function loadTui(): Promise<typeof import('../tui/run-tui.js')> {
  const previous = process.env.NODE_ENV
  process.env.NODE_ENV = 'production'
  try {
    return await import('../tui/run-tui.js')
  } finally {
    if (previous === undefined) delete process.env.NODE_ENV
    else process.env.NODE_ENV = previous
  }
}
