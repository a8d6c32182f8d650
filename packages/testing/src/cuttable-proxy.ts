// A TCP proxy between a client (a stream reader, `hookline listen`) and the API that a test can cut
// (every connection dropped at once), freeze, and hold down (new connections dropped too), like a
// flaky network or a restarting load balancer.

import type { AddressInfo } from "node:net";
import { connect, createServer, type Socket } from "node:net";

export interface CuttableProxy {
  url: string;
  /** Connections accepted so far. */
  connections: number;
  /** Times `cut()` dropped the open connections. */
  cuts: number;
  cut(): void;
  /**
   * Stops passing bytes on the open connections without closing them: a half-open connection, as
   * after a laptop sleeps or a NAT forgets, which neither end notices by itself.
   */
  freeze(): void;
  /** Cut, and drop every new connection until `restore()`. */
  down(): void;
  restore(): void;
  close(): Promise<void>;
}

export async function startCuttableProxy(target: string): Promise<CuttableProxy> {
  const { hostname, port } = new URL(target);
  const open = new Set<Socket>();
  let isDown = false;
  const pairs: [Socket, Socket][] = [];
  const server = createServer((client) => {
    if (isDown) {
      client.destroy();
      return;
    }
    proxy.connections++;
    const upstream = connect(Number(port), hostname);
    for (const socket of [client, upstream]) {
      open.add(socket);
      socket.on("close", () => open.delete(socket));
      socket.on("error", () => {});
    }
    client.pipe(upstream);
    upstream.pipe(client);
    pairs.push([client, upstream]);
    client.on("close", () => upstream.destroy());
    upstream.on("close", () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const proxy: CuttableProxy = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    connections: 0,
    cuts: 0,
    cut() {
      proxy.cuts++;
      for (const socket of open) socket.destroy();
    },
    freeze() {
      for (const [client, upstream] of pairs.splice(0)) {
        client.unpipe(upstream);
        upstream.unpipe(client);
        client.pause();
        upstream.pause();
      }
    },
    down() {
      isDown = true;
      proxy.cut();
    },
    restore() {
      isDown = false;
    },
    async close() {
      proxy.down();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return proxy;
}
