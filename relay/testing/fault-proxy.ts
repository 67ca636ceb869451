// Test support: a TCP proxy on 127.0.0.1 standing in for the shop's internet line, so a test can
// cut every connection at once (as a dropped line would) while the desk keeps retrying.
import net from 'node:net';

export interface FaultProxy {
  port: number;
  url: string;
  /** Drops every open connection; new ones are accepted again at once. */
  cutAll(): void;
  /** New connections go to this port from now on (a load balancer taking a dead backend out). */
  sendTo(port: number): void;
  close(): Promise<void>;
}

export async function startFaultProxy(targetPort: number): Promise<FaultProxy> {
  const open = new Set<net.Socket>();
  let target = targetPort;
  const server = net.createServer((client) => {
    const upstream = net.connect({ host: '127.0.0.1', port: target });
    open.add(client);
    open.add(upstream);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      open.delete(client);
      open.delete(upstream);
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    sendTo(port) {
      target = port;
    },
    cutAll() {
      for (const s of open) s.destroy();
      open.clear();
    },
    close() {
      for (const s of open) s.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
