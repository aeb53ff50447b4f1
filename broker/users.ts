import { checkFilter } from './acl.js';
import type { AclRules } from './acl.js';
import { hashPassword, parsePasswordHash, verifyPassword } from './password-hash.js';

/** One broker account: who may connect, and where it may publish and subscribe. */
export interface BrokerUser extends AclRules {
  username: string;
  /** `scrypt$N$r$p$salt$hash`, as printed by `npm run hash-password`. */
  passwordHash: string;
  /** No publish rate limit: for the bridge's own account, which answers every client. */
  unlimited?: boolean;
}

/**
 * The configured accounts. Every entry is checked when the broker starts, so a
 * bad hash or filter stops startup with the username in the message instead of
 * surfacing as refused logins later.
 */
export class UserDirectory {
  private readonly users = new Map<string, BrokerUser>();
  // Checked against when the username is unknown, so that a miss costs the same
  // scrypt work as a wrong password and does not reveal which usernames exist.
  private decoy: Promise<string> | undefined;

  constructor(users: readonly BrokerUser[]) {
    for (const user of users) {
      const name = user.username;
      if (typeof name !== 'string' || name === '') throw new Error('broker user with an empty username');
      if (this.users.has(name)) throw new Error(`broker user "${name}" is listed twice`);
      try {
        parsePasswordHash(user.passwordHash);
      } catch (err) {
        throw new Error(`password hash of broker user "${name}" ${(err as Error).message}`);
      }
      for (const filter of [...user.publish, ...user.subscribe]) {
        try {
          checkFilter(filter);
        } catch (err) {
          throw new Error(`access list of broker user "${name}": ${(err as Error).message}`);
        }
      }
      this.users.set(name, { ...user, publish: [...user.publish], subscribe: [...user.subscribe] });
    }
  }

  get size(): number {
    return this.users.size;
  }

  /** The user when the password is right, otherwise undefined. */
  async verify(username: string, password: Buffer | undefined): Promise<BrokerUser | undefined> {
    const user = this.users.get(username);
    const secret = password ?? Buffer.alloc(0);
    if (user === undefined) {
      this.decoy ??= hashPassword('decoy password');
      await verifyPassword(secret, await this.decoy);
      return undefined;
    }
    return (await verifyPassword(secret, user.passwordHash)) ? user : undefined;
  }
}
