import net from 'node:net'

/**
 * Free TCP ports on 127.0.0.1, as the kernel picks them: `count` distinct ports, none of them in
 * `avoid` (ports promised to services that may not listen yet). Each listener is held until all are
 * picked: the kernel picks at random and may hand out a port it just got back, so two ports picked
 * one after the other could otherwise be the same. Another process may still take a port between
 * now and the service's bind; the service then fails to start with "address in use", which hearth
 * reports with its log lines, and a second `up` picks another port.
 */
export async function allocatePorts(
  count: number,
  avoid: ReadonlySet<number> = new Set(),
): Promise<number[]> {
  const held: net.Server[] = []
  const ports: number[] = []
  try {
    // Each pick that lands in `avoid` is held too, so the kernel moves on; give up only when the
    // kernel keeps picking avoided ports far more often than their share of the range says.
    while (ports.length < count) {
      if (held.length >= count + 100 + avoid.size) throw new Error(`no ${count} free ports on 127.0.0.1`)
      const server = await listenOnFreePort()
      held.push(server)
      const port = (server.address() as net.AddressInfo).port
      if (!avoid.has(port)) ports.push(port)
    }
  } finally {
    await Promise.all(held.map((server) => new Promise((resolve) => server.close(resolve))))
  }
  return ports
}

/** One free TCP port on 127.0.0.1, as the kernel picks it (see `allocatePorts`). */
export async function allocatePort(): Promise<number> {
  return (await allocatePorts(1))[0] as number
}

function listenOnFreePort(): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const server = net.createServer()
    server.unref()
    server.once('error', reject)
    server.listen({ host: '127.0.0.1', port: 0, exclusive: true }, () => resolve(server))
  })
}

/** Whether something already listens on 127.0.0.1:port. */
export function isPortTaken(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer()
    server.unref()
    server.once('error', () => resolve(true))
    server.listen({ host: '127.0.0.1', port, exclusive: true }, () => server.close(() => resolve(false)))
  })
}
