import net from 'node:net'

/** The env var CI sets to a real engine's TCP endpoint (dockerd started with `-H tcp://127.0.0.1:2375`). */
export const DOCKER_TCP_ENV = 'HEARTH_TEST_DOCKER_TCP'

export interface DockerOverTcp {
  /** `tcp://127.0.0.1:PORT`, as `DOCKER_HOST` spells it. */
  dockerHost: string
  /** Whether this is a forwarder started by the test (false: the engine's own TCP listener). */
  forwarded: boolean
  /** Connections accepted so far (forwarder only; null for the engine's own listener). */
  connections(): number | null
  close(): Promise<void>
}

/**
 * The local engine over plain HTTP on loopback TCP. In CI, dockerd listens on TCP itself and says
 * where in `HEARTH_TEST_DOCKER_TCP` (a `DOCKER_HOST=tcp://…` is used as it is, too). Elsewhere
 * dockerd listens on its unix socket only (`DOCKER_HOST=unix://…`, else /var/run/docker.sock), so
 * this starts a forwarder on 127.0.0.1:0 that pipes each connection to the socket: the driver then
 * speaks HTTP over TCP (hijacked exec and attach streams included) to the real engine.
 */
export async function dockerOverTcp(
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<DockerOverTcp> {
  const given = env[DOCKER_TCP_ENV]?.trim()
  if (given !== undefined && given !== '') {
    return { dockerHost: given, forwarded: false, connections: () => null, close: async () => undefined }
  }
  const dockerHost = env.DOCKER_HOST?.trim() ?? ''
  // An engine already reached over TCP is used as it is.
  if (dockerHost.startsWith('tcp://')) {
    return { dockerHost, forwarded: false, connections: () => null, close: async () => undefined }
  }
  const socketPath = dockerHost.startsWith('unix://')
    ? dockerHost.slice('unix://'.length)
    : '/var/run/docker.sock'
  const open = new Set<net.Socket>()
  let accepted = 0
  // Half-open both ways: a client that ends its side of a hijacked exec still reads the output.
  const server = net.createServer({ allowHalfOpen: true }, (client) => {
    accepted++
    const engine = net.connect({ path: socketPath, allowHalfOpen: true })
    open.add(client).add(engine)
    const drop = (): void => {
      client.destroy()
      engine.destroy()
      open.delete(client)
      open.delete(engine)
    }
    client.once('error', drop).once('close', drop)
    engine.once('error', drop).once('close', drop)
    client.pipe(engine)
    engine.pipe(client)
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen({ host: '127.0.0.1', port: 0 }, resolve)
  })
  const { port } = server.address() as net.AddressInfo
  return {
    dockerHost: `tcp://127.0.0.1:${port}`,
    forwarded: true,
    connections: () => accepted,
    close: () =>
      new Promise((resolve) => {
        for (const socket of open) socket.destroy()
        server.close(() => resolve())
      }),
  }
}
