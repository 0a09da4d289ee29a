/**
 * The served emulator's listener: one port that is both an HTTPS proxy and an HTTPS server.
 *
 * - A client that sets `HTTPS_PROXY=http://127.0.0.1:PORT` sends `CONNECT host:443`; for a host
 *   the emulator answers, the tunnel is accepted and its bytes go to the TLS server, whose
 *   certificate (from the local CA) covers every such host, so the client keeps Azure's real
 *   names (`*.vault.azure.net`, `login.microsoftonline.com`, `management.azure.com`) and its
 *   own checks (challenge resource, authority) unchanged. Any other host is refused with `403`:
 *   nothing is ever forwarded to the network.
 * - A client that speaks TLS straight to the port (the first byte is a TLS handshake, `0x16`)
 *   reaches the same TLS server: `https://127.0.0.1:PORT/` answers a status document, and a
 *   request whose `Host` is an Azure name (`curl --connect-to ::127.0.0.1:PORT`) is served as
 *   that host.
 *
 * Only `node:net` and `node:https`, which Deno, Node and Bun all provide: the TLS server listens
 * on an internal loopback port and the front port pipes bytes to it.
 *
 * @module
 */
import { createServer as createHttpsServer, type Server as HttpsServer } from "node:https";
import type { IncomingMessage, ServerResponse } from "node:http";
import { connect, createServer, type Server, type Socket } from "node:net";
import type { PemPair } from "./_ca.ts";
import { isServedHost } from "./_hosts.ts";

/** What {@link serve} needs. */
export interface ServeOptions {
  /** The address to bind (a loopback address unless the caller allowed otherwise). */
  host: string;
  /** The port; 0 for a free one. */
  port: number;
  /** The TLS server's certificate and key. */
  tls: PemPair;
  /** Answers a request for an Azure host (the emulator's `fetch`). */
  handler: (request: Request) => Promise<Response>;
  /** Answers a request for the server itself (`https://127.0.0.1:PORT/...`). */
  local: (request: Request) => Promise<Response> | Response;
  /** Called with one line per request when given. */
  log?: (line: string) => void;
}

/** A running server. */
export interface Served {
  /** The port bound. */
  port: number;
  /** Stops accepting, ends every connection. */
  close(): Promise<void>;
}

const MAX_HEAD = 16 * 1024;
const MAX_BODY = 32 * 1024 * 1024;
const HEAD_TIMEOUT_MS = 10_000;
const HOP_BY_HOP = new Set([
  "host",
  "connection",
  "keep-alive",
  "proxy-connection",
  "proxy-authorization",
  "transfer-encoding",
  "te",
  "trailer",
  "upgrade",
]);

function hostnameOf(hostHeader: string): string {
  const h = hostHeader.trim().toLowerCase();
  if (h.startsWith("[")) return h.slice(1, h.indexOf("]"));
  const colon = h.lastIndexOf(":");
  return colon === -1 ? h : h.slice(0, colon);
}

function plainAnswer(socket: Socket, status: string, message: string): void {
  const body = `${message}\n`;
  socket.end(
    `HTTP/1.1 ${status}\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: ${
      new TextEncoder().encode(body).length
    }\r\nconnection: close\r\n\r\n${body}`,
  );
}

async function readBody(req: IncomingMessage): Promise<Uint8Array<ArrayBuffer> | undefined> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of req) {
    const bytes = chunk as Uint8Array;
    size += bytes.length;
    if (size > MAX_BODY) throw new RangeError("request body too large");
    chunks.push(bytes);
  }
  if (size === 0) return undefined;
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/** Starts the listener (see the module documentation). */
export async function serve(options: ServeOptions): Promise<Served> {
  const sockets = new Set<Socket>();
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => socket.destroy());
  };

  async function onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const hostname = hostnameOf(req.headers.host ?? "");
    const method = req.method ?? "GET";
    const path = req.url ?? "/";
    let status = 0;
    try {
      const body = await readBody(req);
      const headers = new Headers();
      for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
        const name = req.rawHeaders[i]!;
        if (!HOP_BY_HOP.has(name.toLowerCase())) headers.append(name, req.rawHeaders[i + 1]!);
      }
      const served = isServedHost(hostname);
      const url = served ? `https://${hostname}${path}` : `https://${req.headers.host}${path}`;
      const request = new Request(url, {
        method,
        headers,
        ...(body && method !== "GET" && method !== "HEAD" ? { body } : {}),
      });
      let response: Response;
      if (served) {
        response = await options.handler(request);
      } else if (["127.0.0.1", "localhost", "::1", options.host].includes(hostname)) {
        response = await options.local(request);
      } else {
        response = new Response(`kvfetch emulator: no such host ${hostname}\n`, { status: 421 });
      }
      status = response.status;
      const outHeaders: Record<string, string> = {};
      response.headers.forEach((value, name) => {
        if (!HOP_BY_HOP.has(name) && name !== "content-length") outHeaders[name] = value;
      });
      const bytes = new Uint8Array(await response.arrayBuffer());
      outHeaders["content-length"] = String(bytes.length);
      res.writeHead(response.status, outHeaders);
      res.end(method === "HEAD" ? undefined : bytes);
    } catch (error) {
      if (error instanceof RangeError) {
        status = 413;
        res.writeHead(413, { "content-type": "text/plain", connection: "close" });
        res.end("request body too large\n");
      } else {
        // The emulator answers a dropped connection or an unknown vault as a network failure:
        // so does the server, by closing the connection without a response.
        status = -1;
        req.socket.destroy();
      }
    } finally {
      options.log?.(
        `${method} https://${hostname}${path.split("?")[0]} -> ${
          status === -1 ? "connection closed" : status
        }`,
      );
    }
  }

  const tlsServer: HttpsServer = createHttpsServer(
    { key: options.tls.key, cert: options.tls.cert },
    (req, res) => void onRequest(req, res),
  );
  tlsServer.on("connection", (socket: Socket) => track(socket));
  tlsServer.on("tlsClientError", () => {});
  await new Promise<void>((resolve, reject) => {
    tlsServer.once("error", reject);
    tlsServer.listen(0, "127.0.0.1", () => resolve());
  });
  const innerPort = (tlsServer.address() as { port: number }).port;

  function tunnel(client: Socket, first: Uint8Array): void {
    const upstream = connect(innerPort, "127.0.0.1");
    track(upstream);
    if (first.length) upstream.write(first);
    client.pipe(upstream);
    upstream.pipe(client);
    client.on("close", () => upstream.destroy());
    upstream.on("close", () => client.destroy());
  }

  function onConnection(client: Socket): void {
    track(client);
    let head = new Uint8Array(0);
    const timer = setTimeout(() => client.destroy(), HEAD_TIMEOUT_MS);
    const onData = (chunk: Uint8Array) => {
      const joined = new Uint8Array(head.length + chunk.length);
      joined.set(head);
      joined.set(chunk, head.length);
      head = joined;
      if (head[0] === 0x16) return start(head); // a TLS ClientHello: straight to the TLS server
      const text = new TextDecoder("latin1").decode(head);
      const end = text.indexOf("\r\n\r\n");
      if (end === -1) {
        if (head.length > MAX_HEAD) {
          finish();
          plainAnswer(client, "431 Request Header Fields Too Large", "request head too large");
        }
        return;
      }
      finish();
      const [method, target] = text.slice(0, text.indexOf("\r\n")).split(" ");
      if (method !== "CONNECT") {
        plainAnswer(
          client,
          "405 Method Not Allowed",
          "kvfetch emulator: this port speaks TLS, or is an HTTPS proxy (CONNECT host:443)",
        );
        return;
      }
      const match = /^\[?([^\]]+?)\]?:(\d+)$/.exec(target ?? "");
      const host = match?.[1]?.toLowerCase() ?? "";
      const self = ["127.0.0.1", "localhost", "::1", options.host].includes(host) &&
        match?.[2] === String(port);
      if (!match || !(self || (match[2] === "443" && isServedHost(host)))) {
        options.log?.(`CONNECT ${target} -> refused`);
        plainAnswer(
          client,
          "403 Forbidden",
          `kvfetch emulator: ${target} is not a host the emulator serves (nothing is forwarded)`,
        );
        return;
      }
      client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
      // latin1 decodes one byte to one character: `end` is a byte offset.
      tunnel(client, head.subarray(end + 4));
    };
    const finish = () => {
      clearTimeout(timer);
      client.off("data", onData);
    };
    const start = (bytes: Uint8Array) => {
      finish();
      tunnel(client, bytes);
    };
    client.on("data", onData);
  }

  let port = 0;
  const front: Server = createServer(onConnection);
  await new Promise<void>((resolve, reject) => {
    front.once("error", reject);
    front.listen(options.port, options.host, () => resolve());
  });
  port = (front.address() as { port: number }).port;

  return {
    port,
    async close(): Promise<void> {
      const closed = Promise.all([
        new Promise<void>((resolve) => front.close(() => resolve())),
        new Promise<void>((resolve) => tlsServer.close(() => resolve())),
      ]);
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}
