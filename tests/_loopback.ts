/**
 * Real loopback HTTP servers for tests: `Deno.serve` on Deno, `node:http` elsewhere (Node and
 * Bun run the same suite from the npm build). Both bind 127.0.0.1 on a free port and speak the
 * web `Request`/`Response` handler signature. Runtime detection is allowed here: tests only.
 */
import * as http from "node:http";
import * as net from "node:net";

export type Handler = (request: Request) => Response | Promise<Response>;

export interface Loopback {
  /** `http://127.0.0.1:<port>` */
  origin: string;
  port: number;
  /** How many requests reached the server. */
  readonly hits: number;
  close(): Promise<void>;
}

declare const Deno: {
  serve(
    options: { hostname: string; port: number; signal: AbortSignal; onListen(addr: unknown): void },
    handler: Handler,
  ): { addr: { port: number }; finished: Promise<void> };
} | undefined;

export async function serve(handler: Handler): Promise<Loopback> {
  let hits = 0;
  const counted: Handler = (request) => {
    hits++;
    return handler(request);
  };
  if (typeof Deno !== "undefined" && typeof Deno.serve === "function") {
    const controller = new AbortController();
    const server = Deno.serve(
      { hostname: "127.0.0.1", port: 0, signal: controller.signal, onListen() {} },
      counted,
    );
    const port = server.addr.port;
    return {
      origin: `http://127.0.0.1:${port}`,
      port,
      get hits() {
        return hits;
      },
      async close() {
        controller.abort();
        await server.finished;
      },
    };
  }
  return await serveNode(counted, () => hits);
}

async function serveNode(handler: Handler, hits: () => number): Promise<Loopback> {
  const server = http.createServer(async (req, res) => {
    const chunks: Uint8Array[] = [];
    for await (const chunk of req) chunks.push(chunk as Uint8Array);
    const body = chunks.length && req.method !== "GET" && req.method !== "HEAD"
      ? new Blob(chunks as BlobPart[])
      : null;
    const headers = new Headers();
    for (const [k, v] of Object.entries(req.headers)) {
      if (typeof v === "string") headers.set(k, v);
      else if (Array.isArray(v)) { for (const item of v) headers.append(k, item); }
    }
    const response = await handler(
      new Request(`http://127.0.0.1${req.url}`, { method: req.method, headers, body }),
    );
    res.writeHead(response.status, Object.fromEntries(response.headers));
    if (!response.body) return void res.end();
    try {
      for await (const chunk of response.body) res.write(chunk);
      res.end();
    } catch {
      res.destroy();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    origin: `http://127.0.0.1:${port}`,
    port,
    get hits() {
      return hits();
    },
    close() {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * A raw TCP server on loopback that reads each request and then resets the connection without
 * answering: the client sees a network error, not an HTTP status. After `resets` connections it
 * hands over to `then` (if given) by answering with a fixed HTTP/1.1 response.
 */
export async function resettingServer(
  resets: number,
  then?: { status: number; body: string },
): Promise<Loopback> {
  let hits = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => {});
    socket.once("data", () => {
      hits++;
      if (hits <= resets || !then) {
        socket.resetAndDestroy?.() ?? socket.destroy();
        return;
      }
      const body = new TextEncoder().encode(then.body);
      socket.end(
        `HTTP/1.1 ${then.status} X\r\ncontent-type: application/json\r\n` +
          `content-length: ${body.byteLength}\r\nconnection: close\r\n\r\n${then.body}`,
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    origin: `http://127.0.0.1:${port}`,
    port,
    get hits() {
      return hits;
    },
    close() {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
