import type { AuthenticateError, Client, PublishPacket, Subscription } from 'aedes';
import { ClientAcl, checkFilter } from './acl.js';
import type { BrokerLimits } from './limits.js';
import { TokenBucket } from './limits.js';
import type { UserDirectory } from './users.js';

/**
 * Who a client is and what it may do, as aedes hooks: authenticate against the
 * configured users, authorize each publish and subscription against that
 * user's access list, and hold each client to the publish rate.
 */

export interface AccessOptions {
  users: UserDirectory;
  /** Clients without a username get full access; the broker allows this on loopback only. */
  allowAnonymous: boolean;
  limits: Pick<BrokerLimits, 'publishRatePerSecond' | 'publishBurst'>;
  /** A warning, at most one a window per key (see LogThrottle). */
  warn: (key: string, message: () => string) => void;
  /** "address:port" of the client's connection. */
  peerOf: (client: Client) => string;
  now?: () => number;
}

type Done = (error?: Error | null) => void;

interface Session {
  /** Undefined for an anonymous client. */
  username: string | undefined;
  /** Undefined: full access. */
  acl: ClientAcl | undefined;
  bucket: TokenBucket | undefined;
}

/**
 * Where a refused publish goes. [MQTT-3.3.5-2] lets a server acknowledge a
 * PUBLISH it does not authorize, as mosquitto does, instead of dropping the
 * connection; aedes 1.2 can only accept or disconnect, so the packet is
 * accepted and re-addressed here. No subscription can match this topic:
 * wildcards at the start of a filter skip '$' topics [MQTT-4.7.2-1], and a
 * filter containing NUL is refused below.
 */
export const DROPPED_TOPIC = '$\u0000dropped';

/** A refused CONNECT, already logged here; aedes reports it once more as a client error. */
export class ConnectionRefused extends Error {
  readonly returnCode: AuthenticateError['returnCode'];

  constructor(code: number) {
    super(`connection refused with return code ${code}`);
    this.returnCode = code as AuthenticateError['returnCode'];
  }
}

// Connect return codes of MQTT 3.1.1 [MQTT-3.2.2.3]
const IDENTIFIER_REJECTED = 2;
const SERVER_UNAVAILABLE = 3;
const BAD_USERNAME_OR_PASSWORD = 4;
const NOT_AUTHORIZED = 5;

export class BrokerAccess {
  private readonly sessions = new WeakMap<Client, Session>();
  // The registered client of each id, to notice a takeover before aedes closes the old one.
  private readonly live = new Map<string, Client>();

  private readonly warn: AccessOptions['warn'];

  constructor(private readonly options: AccessOptions) {
    this.warn = options.warn;
  }

  readonly authenticate = (
    client: Client,
    username: string | undefined,
    password: Buffer | undefined,
    done: (error: AuthenticateError | null, success: boolean | null) => void,
  ): void => {
    this.identify(client, username, password).then(
      (code) => (code === 0 ? done(null, true) : done(new ConnectionRefused(code), false)),
      (err: Error) => {
        this.warn(
          `auth-error:${client.id}`,
          () => `Checking the login of ${this.name(client)} failed: ${err.message}`,
        );
        done(new ConnectionRefused(SERVER_UNAVAILABLE), false);
      },
    );
  };

  readonly authorizePublish = (client: Client | null, packet: PublishPacket, done: Done): void => {
    const session = client === null ? undefined : this.sessions.get(client);
    if (client === null || session === undefined) {
      // A will left by a client of an earlier broker instance: nobody to check it against.
      drop(packet);
      return done(null);
    }

    const topic = packet.topic;
    // '$SYS' as in aedes' default hook: clients must not pose as the broker (aedes #597).
    if (topic.startsWith('$SYS') || (session.acl !== undefined && !session.acl.canPublish(topic))) {
      this.warn(`publish-denied:${client.id}`, () => `${this.name(client)} may not publish to ${topic}: dropped`);
      drop(packet);
    } else if (session.bucket !== undefined && !client.closed && !session.bucket.take()) {
      // A closing client's only publish is its will, which the rate must not eat.
      const { publishRatePerSecond: rate, publishBurst: burst } = this.options.limits;
      this.warn(
        `rate:${client.id}`,
        () => `${this.name(client)} publishes faster than ${rate}/s (burst ${burst}): dropping the excess`,
      );
      drop(packet);
    }
    done(null);
  };

  readonly authorizeSubscribe = (
    client: Client,
    subscription: Subscription,
    done: (error: Error | null, subscription?: Subscription | null) => void,
  ): void => {
    const session = this.sessions.get(client);
    const filter = subscription.topic;
    const allowed = session?.acl === undefined || session.acl.canSubscribe(filter);
    if (session !== undefined && validFilter(filter) && allowed) return done(null, subscription);

    this.warn(`subscribe-denied:${client.id}`, () => `${this.name(client)} may not subscribe to ${filter}: refused`);
    done(null, null); // aedes answers with return code 0x80, Failure [MQTT-3.9.3]
  };

  /** Call on aedes' 'client' event. */
  registered(client: Client): void {
    this.live.set(client.id, client);
  }

  /** Call on aedes' 'clientDisconnect' event. */
  disconnected(client: Client): void {
    if (this.live.get(client.id) === client) this.live.delete(client.id);
  }

  /** A connect return code: 0 when accepted, with the client's session stored. */
  private async identify(
    client: Client,
    username: string | undefined,
    password: Buffer | undefined,
  ): Promise<number> {
    // With no users configured there is nothing to check a username against:
    // as in mosquitto, credentials are then ignored where anonymous access is allowed.
    const anonymous = username === undefined || username === '' || this.options.users.size === 0;
    if (anonymous) {
      if (!this.options.allowAnonymous) {
        this.warn(`auth:${this.address(client)}`, () => `${this.name(client)} gave no username: refused`);
        return NOT_AUTHORIZED;
      }
      return this.admit(client, undefined, undefined) ? 0 : IDENTIFIER_REJECTED;
    }

    const user = await this.options.users.verify(username, password);
    if (user === undefined) {
      this.warn(
        `auth:${this.address(client)}`,
        () => `${this.name(client)} gave a wrong username or password (user "${username}"): refused`,
      );
      return BAD_USERNAME_OR_PASSWORD;
    }
    const acl = new ClientAcl(user, { clientId: client.id, username });
    return this.admit(client, username, acl, user.unlimited === true) ? 0 : IDENTIFIER_REJECTED;
  }

  /**
   * Stores the session. A client id held by another user's connection is
   * refused rather than taken over, so one account cannot knock another off;
   * the same user reconnecting replaces its stale connection as MQTT requires
   * [MQTT-3.1.4-2], logged once a window since two boards sharing an id would
   * keep replacing each other.
   */
  private admit(client: Client, username: string | undefined, acl: ClientAcl | undefined, unlimited = false): boolean {
    const holder = this.live.get(client.id);
    const takeover = holder !== undefined && holder !== client && !holder.closed;
    if (takeover && this.sessions.get(holder)?.username !== username) {
      const holderName = this.sessions.get(holder)?.username;
      this.warn(
        `takeover:${client.id}`,
        () =>
          `${this.name(client)} of ${who(username)} asked for the client id ` +
          `of a connection of ${who(holderName)}: refused`,
      );
      return false;
    }

    const { publishRatePerSecond, publishBurst } = this.options.limits;
    // Anonymous clients are processes on this machine (the bridge, its benchmark): no rate.
    const bucket =
      username !== undefined && !unlimited && publishRatePerSecond > 0
        ? new TokenBucket(publishRatePerSecond, Math.max(1, publishBurst), this.options.now)
        : undefined;
    this.sessions.set(client, { username, acl, bucket });
    if (takeover) {
      this.warn(
        `takeover:${client.id}`,
        () =>
          `${this.name(client)} replaces the connection ${this.options.peerOf(holder)} with the same ` +
          'client id; two devices sharing one id keep disconnecting each other',
      );
    }
    return true;
  }

  // Failed logins are keyed by address, not by client id: an attacker chooses the id.
  private address(client: Client): string {
    return this.options.peerOf(client).replace(/:\d+$/, '');
  }

  /** How log lines name a client: id, address and, once logged in, username. */
  name(client: Client): string {
    const id = client.id as string | null; // null until CONNECT arrives, whatever the types say
    if (id === null) return `Connection ${this.options.peerOf(client)}`;
    const username = this.sessions.get(client)?.username;
    const user = username === undefined ? '' : `, user "${username}"`;
    return `Client "${id}" (${this.options.peerOf(client)}${user})`;
  }
}

function drop(packet: PublishPacket): void {
  packet.topic = DROPPED_TOPIC;
  packet.retain = false; // a retained drop would otherwise be stored
  packet.payload = Buffer.alloc(0);
}

function validFilter(filter: string): boolean {
  try {
    checkFilter(filter);
    return true;
  } catch {
    return false;
  }
}

function who(username: string | undefined): string {
  return username === undefined ? 'an anonymous client' : `user "${username}"`;
}
