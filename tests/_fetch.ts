/** A scripted stand-in for `fetch` that records what it was asked to send. */

export interface SeenRequest {
  url: string;
  method: string;
  headers: Headers;
  body: string;
}

export type Step =
  | Response
  | Error
  | ((request: SeenRequest, init: RequestInit) => Response | Promise<Response>);

export interface ScriptedFetch {
  (url: string, init: RequestInit): Promise<Response>;
  calls: SeenRequest[];
}

/** Answers the i-th call with `steps[i]` (the last step repeats); rejects for an `Error`. */
export function scriptedFetch(...steps: Step[]): ScriptedFetch {
  const calls: SeenRequest[] = [];
  const fn = async (url: string, init: RequestInit): Promise<Response> => {
    const body = init.body == null ? "" : await new Response(init.body).text();
    const seen: SeenRequest = {
      url,
      method: init.method ?? "GET",
      headers: new Headers(init.headers),
      body,
    };
    calls.push(seen);
    init.signal?.throwIfAborted();
    const step = steps[Math.min(calls.length - 1, steps.length - 1)];
    if (step === undefined) throw new Error("scriptedFetch: no steps");
    if (step instanceof Error) throw step;
    if (step instanceof Response) return step.clone();
    return await step(seen, init);
  };
  return Object.assign(fn, { calls });
}

/** A JSON response. */
export function json(status: number, body: unknown, headers: HeadersInit = {}): Response {
  const h = new Headers(headers);
  if (!h.has("content-type")) h.set("content-type", "application/json; charset=utf-8");
  return new Response(JSON.stringify(body), { status, headers: h });
}

/** A `sleep` that records the waits and does not wait. */
export function recordingSleep(): ((ms: number, signal?: AbortSignal) => Promise<void>) & {
  waits: number[];
} {
  const waits: number[] = [];
  const fn = (ms: number, signal?: AbortSignal): Promise<void> => {
    waits.push(ms);
    signal?.throwIfAborted();
    return Promise.resolve();
  };
  return Object.assign(fn, { waits });
}
