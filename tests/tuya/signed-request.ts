import { computeSign } from '../../src/tuya/cloud/sign.js';

/** Hand-made signed calls, to reach the simulator's rejection paths the client never takes. */

export interface Credentials {
  accessId: string;
  accessKey: string;
}

export interface RawCall {
  method?: 'GET' | 'POST';
  target: string;
  body?: string;
  accessToken?: string;
  /** Defaults to the real clock. */
  t?: string;
  /** Changes the computed sign before sending, e.g. to tamper with it. */
  alterSign?: (sign: string) => string;
  /** Extra headers; undefined removes one of the signing headers. */
  headers?: Record<string, string | undefined>;
}

export interface Envelope {
  success: boolean;
  result?: unknown;
  code?: number;
  msg?: string;
  t: number;
  tid: string;
}

export async function rawCall(baseUrl: string, creds: Credentials, call: RawCall): Promise<Envelope> {
  const method = call.method ?? 'GET';
  const t = call.t ?? String(Date.now());
  const sign = computeSign({
    clientId: creds.accessId,
    secret: creds.accessKey,
    t,
    accessToken: call.accessToken,
    method,
    target: call.target,
    body: call.body,
  });
  const headers: Record<string, string | undefined> = {
    client_id: creds.accessId,
    t,
    sign_method: 'HMAC-SHA256',
    sign: call.alterSign ? call.alterSign(sign) : sign,
    access_token: call.accessToken,
    'content-type': call.body === undefined ? undefined : 'application/json',
    ...call.headers,
  };
  const sent = Object.fromEntries(
    Object.entries(headers).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
  const response = await fetch(baseUrl + call.target, { method, headers: sent, body: call.body });
  expect(response.status).toBe(200);
  return (await response.json()) as Envelope;
}

export interface GrantedToken {
  access_token: string;
  refresh_token: string;
  expire_time: number;
  uid: string;
}

export async function grantToken(
  baseUrl: string,
  creds: Credentials,
  t?: string,
): Promise<GrantedToken> {
  const answer = await rawCall(baseUrl, creds, { target: '/v1.0/token?grant_type=1', t });
  expect(answer.success).toBe(true);
  return answer.result as GrantedToken;
}
