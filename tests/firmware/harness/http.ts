// require("http") client side and the global `url.parse`, as Espruino offers them
// (libs/network/http/jswrap_http.c): request(options, cb) returns a request to write()/end();
// the response emits 'data' with 8-bit strings and then 'close'; failures emit 'error' with
// {code, message}. Backed by Node's http against the test's server.

import http from 'node:http';
import { EspEmitter, type Enqueue } from './emitter.js';
import { OFFLINE_MESSAGE, type BoardNetwork } from './network.js';

export interface HttpExchange {
  method: string;
  url: string;
  body: string;
  status?: number;
  response?: string;
  error?: string;
}

interface Deps {
  network: BoardNetwork;
  enqueue: Enqueue;
  exchanges: HttpExchange[];
}

interface RequestOptions {
  host?: string;
  port?: number | string;
  path?: string;
  method?: string;
  headers?: Record<string, unknown>;
  protocol?: string;
}

/** Espruino's url.parse(): the pieces http.request wants, port as a number. */
export function espruinoUrlParse(text: string): Record<string, unknown> {
  const u = new URL(text);
  const query = u.search.length > 1 ? u.search.slice(1) : null;
  return {
    method: 'GET',
    protocol: u.protocol,
    host: u.hostname,
    path: u.pathname + u.search,
    pathname: u.pathname,
    search: u.search || null,
    port: u.port ? Number(u.port) : u.protocol === 'https:' ? 443 : 80,
    query,
  };
}

/** Espruino strings are bytes, so each char above 0x7f becomes one %XX: UTF-8 arrives encoded right. */
export function espruinoEncodeURIComponent(text: unknown): string {
  return String(text).replace(/[^A-Za-z0-9\-_.!~*'()]/g, (c) => {
    return `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`;
  });
}

export function createHttpModule(deps: Deps): { request: unknown; get: unknown } {
  const request = (options: unknown, callback?: (res: EspEmitter) => void): EspEmitter => {
    const o = (typeof options === 'string' ? espruinoUrlParse(options) : options) as RequestOptions;
    // Espruino checks the network before it makes the request object, and throws.
    if (!deps.network.isOnline()) throw new Error(OFFLINE_MESSAGE);
    return new EspHttpRequest(deps, o, callback);
  };
  const get = (options: unknown, callback?: (res: EspEmitter) => void): EspEmitter => {
    const o = typeof options === 'string' ? espruinoUrlParse(options) : { ...(options as object) };
    (o as RequestOptions).method = 'GET';
    const req = request(o, callback) as EspHttpRequest;
    req.end();
    return req;
  };
  return { request, get };
}

class EspHttpRequest extends EspEmitter {
  readonly #deps: Deps;
  readonly #options: RequestOptions;
  readonly #callback: ((res: EspEmitter) => void) | undefined;
  #body = '';
  #sent = false;

  constructor(deps: Deps, options: RequestOptions, callback?: (res: EspEmitter) => void) {
    super(deps.enqueue);
    this.#deps = deps;
    this.#options = options;
    this.#callback = callback;
  }

  write(data: unknown): boolean {
    this.#body += String(data);
    return false;
  }

  end(data?: unknown): void {
    if (data !== undefined) this.write(data);
    if (this.#sent) return;
    this.#sent = true;
    this.#send();
  }

  #send(): void {
    const o = this.#options;
    const method = (o.method ?? 'GET').toUpperCase();
    const exchange: HttpExchange = {
      method, url: `http://${o.host ?? 'localhost'}:${o.port ?? 80}${o.path ?? '/'}`, body: this.#body,
    };
    this.#deps.exchanges.push(exchange);
    const headers: Record<string, string> = { Connection: 'close' };
    for (const [k, v] of Object.entries(o.headers ?? {})) headers[k] = String(v);
    let severed = false;
    const req = http.request({
      host: o.host ?? 'localhost',
      port: Number(o.port ?? 80),
      path: o.path ?? '/',
      method,
      headers,
      agent: false,
    });
    const untrack = this.#deps.network.track({
      sever: () => {
        severed = true; // the board hears nothing more about this request
        req.destroy();
      },
    });
    req.on('response', (res) => {
      const espRes = Object.assign(new EspEmitter(this.#deps.enqueue), {
        statusCode: res.statusCode,
        statusMessage: res.statusMessage,
        headers: res.headers,
        httpVersion: res.httpVersion,
      });
      exchange.status = res.statusCode;
      exchange.response = '';
      // Response events are queued behind the callback, so the listeners it adds see them all.
      const later = (fn: () => void): void => this.#deps.enqueue(() => severed || fn());
      const cb = this.#callback;
      if (cb) later(() => cb(espRes));
      res.on('data', (chunk: Buffer) => {
        const text = chunk.toString('latin1');
        exchange.response += text;
        later(() => espRes.emit('data', text));
      });
      res.on('end', () => {
        untrack();
        later(() => espRes.emit('close', false));
      });
      res.on('error', (err) => {
        untrack();
        later(() => {
          espRes.emit('error', { code: -1, message: err.message });
          espRes.emit('close', true);
        });
      });
    });
    req.on('error', (err) => {
      untrack();
      exchange.error = err.message;
      if (!severed) this.emit('error', { code: -1, message: err.message });
    });
    req.end(this.#body.length > 0 ? Buffer.from(this.#body, 'latin1') : undefined);
  }
}
