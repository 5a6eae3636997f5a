import net from 'node:net'

/**
 * A free TCP port on 127.0.0.1, as the kernel picks it. Another process may take it between now
 * and the service's bind; the service then fails to start with "address in use", which hearth
 * reports with its log lines, and a second `up` picks another port.
 */
export function allocatePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer()
    server.unref()
    server.once('error', reject)
    server.listen({ host: '127.0.0.1', port: 0, exclusive: true }, () => {
      const address = server.address()
      const port = typeof address === 'object' && address !== null ? address.port : 0
      server.close(() => (port > 0 ? resolve(port) : reject(new Error('no port allocated'))))
    })
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
