/**
 * Tiny forwarding proxies on 127.0.0.1 (port 0) that count the tunnels they open, for the
 * proxy tests: an HTTP proxy speaking CONNECT (what `https-proxy-agent` and undici's
 * `ProxyAgent` use) and a SOCKS5 proxy (no authentication, CONNECT only; what
 * `socks-proxy-agent` uses). Both only forward to loopback targets.
 *
 *   const proxy = await startConnectProxy();     // or startSocksProxy()
 *   proxy.url                                    // 'http://127.0.0.1:<port>' / 'socks5://127.0.0.1:<port>'
 *   proxy.tunnels                                // [{ host: '127.0.0.1', port: 4321 }, …] in order
 *   await proxy.close();                         // closes the server and every socket it holds
 */
import { createServer, connect } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';

export interface Tunnel {
  host: string;
  port: number;
}

export interface TestProxy {
  readonly url: string;
  /** Tunnels opened, in order. */
  readonly tunnels: Tunnel[];
  /** Requests refused (non-CONNECT, non-loopback target, bad SOCKS greeting). */
  readonly refused: number;
  close(): Promise<void>;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

/** Connect to `target`; on success `onOpen()` (the reply), then `rest` (bytes the client sent after its request) and both directions piped. */
function pipe(client: Socket, target: Tunnel, rest: Buffer, sockets: Set<Socket>, onOpen: () => void, onFail: () => void): void {
  client.pause(); // nothing is lost until the pipe resumes it
  const upstream = connect(target.port, target.host);
  sockets.add(upstream);
  upstream.on('close', () => sockets.delete(upstream));
  upstream.once('connect', () => {
    onOpen();
    if (rest.length) upstream.write(rest);
    upstream.pipe(client);
    client.pipe(upstream);
  });
  upstream.on('error', () => {
    onFail();
    client.destroy();
  });
  client.on('error', () => upstream.destroy());
  client.on('close', () => upstream.destroy());
}

async function listen(server: Server, sockets: Set<Socket>, scheme: string, state: { tunnels: Tunnel[]; refused: number }): Promise<TestProxy> {
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `${scheme}://127.0.0.1:${port}`,
    get tunnels() {
      return state.tunnels;
    },
    get refused() {
      return state.refused;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** An HTTP proxy that answers `CONNECT host:port` with a tunnel (and refuses everything else with 405). */
export function startConnectProxy(): Promise<TestProxy> {
  const sockets = new Set<Socket>();
  const state = { tunnels: [] as Tunnel[], refused: 0 };
  const server = createServer((client) => {
    let head = Buffer.alloc(0);
    const onData = (chunk: Buffer): void => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      client.off('data', onData);
      const m = /^CONNECT ([^\s:]+|\[[^\]]+\]):(\d+) HTTP\/1\.[01]\r\n/.exec(head.toString('latin1'));
      const host = m?.[1]?.replace(/^\[|\]$/g, '');
      if (!m || !host || !LOOPBACK.has(host)) {
        state.refused++;
        client.end('HTTP/1.1 405 Method Not Allowed\r\nConnection: close\r\n\r\n');
        return;
      }
      const target = { host, port: Number(m[2]) };
      const rest = head.subarray(end + 4);
      pipe(
        client,
        target,
        rest,
        sockets,
        () => {
          state.tunnels.push(target);
          client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        },
        () => client.end('HTTP/1.1 502 Bad Gateway\r\n\r\n'),
      );
    };
    client.on('data', onData);
    client.on('error', () => undefined);
  });
  return listen(server, sockets, 'http', state);
}

/** A SOCKS5 proxy: no-auth greeting, CONNECT to an IPv4 address or a domain name (RFC 1928). */
export function startSocksProxy(): Promise<TestProxy> {
  const sockets = new Set<Socket>();
  const state = { tunnels: [] as Tunnel[], refused: 0 };
  const server = createServer((client) => {
    let buf = Buffer.alloc(0);
    let phase: 'greeting' | 'request' = 'greeting';
    const refuse = (reply?: Buffer): void => {
      state.refused++;
      if (reply) client.end(reply);
      else client.destroy();
    };
    const onData = (chunk: Buffer): void => {
      buf = Buffer.concat([buf, chunk]);
      if (phase === 'greeting') {
        if (buf.length < 2 || buf.length < 2 + buf[1]!) return;
        if (buf[0] !== 5 || !buf.subarray(2, 2 + buf[1]!).includes(0)) return refuse(Buffer.from([5, 0xff]));
        buf = buf.subarray(2 + buf[1]!);
        phase = 'request';
        client.write(Buffer.from([5, 0]));
      }
      if (buf.length < 5) return;
      const atyp = buf[3];
      const addrLen = atyp === 1 ? 4 : atyp === 3 ? 1 + buf[4]! : -1;
      if (buf[0] !== 5 || buf[1] !== 1 || addrLen < 0) return refuse(Buffer.from([5, 7, 0, 1, 0, 0, 0, 0, 0, 0]));
      if (buf.length < 4 + addrLen + 2) return;
      const host = atyp === 1 ? [...buf.subarray(4, 8)].join('.') : buf.subarray(5, 5 + buf[4]!).toString('latin1');
      const port = buf.readUInt16BE(4 + addrLen);
      client.off('data', onData);
      if (!LOOPBACK.has(host)) return refuse(Buffer.from([5, 2, 0, 1, 0, 0, 0, 0, 0, 0]));
      const target = { host, port };
      const rest = buf.subarray(4 + addrLen + 2);
      pipe(
        client,
        target,
        rest,
        sockets,
        () => {
          state.tunnels.push(target);
          client.write(Buffer.from([5, 0, 0, 1, 127, 0, 0, 1, 0, 0]));
        },
        () => client.end(Buffer.from([5, 5, 0, 1, 0, 0, 0, 0, 0, 0])),
      );
    };
    client.on('data', onData);
    client.on('error', () => undefined);
  });
  return listen(server, sockets, 'socks5', state);
}
