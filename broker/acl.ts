/**
 * Topic-filter access lists with MQTT wildcard semantics.
 *
 * A user's filters may contain `%c` (the client id) and `%u` (the username),
 * replaced per connection, so one user shared by several ESP32 boards lets each
 * write only below its own id.
 */

export interface AclRules {
  /** Filters of the topics the user may publish to. */
  publish: readonly string[];
  /** Filters the user may subscribe to, or any narrower filter. */
  subscribe: readonly string[];
}

/** What `%c` and `%u` stand for. */
export interface Identity {
  clientId: string;
  username: string;
}

/**
 * The access lists of the three kinds of client this project has, for a base
 * topic; a user of the broker options is a username and a password hash plus
 * one of them.
 */
export function exampleAcl(base: string): Record<'esp32' | 'homeassistant' | 'bridge', AclRules> {
  return {
    // An ESP32 board: sends commands, reads replies, owns its availability and telemetry.
    // The board shows the bridge being down, so it reads bridge/state as well.
    esp32: { publish: [`${base}/command`, `${base}/esp32/%c/#`], subscribe: [`${base}/status`, `${base}/bridge/state`] },
    // Home Assistant: commands, set and get per plug, its birth message; reads what it drives.
    homeassistant: {
      publish: [`${base}/command`, `${base}/+/set`, `${base}/+/get`, 'homeassistant/status'],
      subscribe: [`${base}/#`, 'homeassistant/#'],
    },
    // The bridge itself, discovery configs included.
    bridge: { publish: [`${base}/#`, 'homeassistant/#'], subscribe: [`${base}/#`, 'homeassistant/#'] },
  };
}

/** exampleAcl for the default base topic, as in config/example.json. */
export const EXAMPLE_ACL = exampleAcl('tuya');

/** Throws, naming the problem, unless `filter` is a valid MQTT topic filter. */
export function checkFilter(filter: string): void {
  if (filter === '') throw new Error('a topic filter must not be empty');
  if (filter.includes('\u0000')) throw new Error(`"${filter}" contains NUL`);
  const levels = filter.split('/');
  levels.forEach((level, index) => {
    // [MQTT-4.7.1-2] '#' alone in the last level; [MQTT-4.7.1-3] '+' alone in its level
    if (level.includes('#') && (level !== '#' || index !== levels.length - 1)) {
      throw new Error(`"${filter}": "#" may only be the whole last level`);
    }
    if (level.includes('+') && level !== '+') throw new Error(`"${filter}": "+" must be a whole level`);
  });
}

/** Whether the topic name `topic` matches `filter`. */
export function topicMatches(filter: string, topic: string): boolean {
  return filterCovers(filter, topic);
}

/**
 * Whether every topic that `requested` can match is also matched by `allowed`:
 * a subscription is granted only when it cannot reach beyond the user's filters.
 * With a topic name as `requested` this is plain matching.
 */
export function filterCovers(allowed: string, requested: string): boolean {
  // [MQTT-4.7.2-1] filters starting with a wildcard do not match topics starting with '$'
  if (requested.startsWith('$') && /^[#+]/.test(allowed)) return false;

  const want = allowed.split('/');
  const have = requested.split('/');
  for (let i = 0; i < want.length; i += 1) {
    const level = want[i] as string;
    if (level === '#') return true; // covers the parent level too: "a/#" matches "a"
    const other = have[i];
    if (other === undefined) return false;
    if (other === '#') return false; // only '#' covers '#'
    if (level !== '+' && level !== other) return false; // '+' covers one level, '+' included
  }
  return have.length === want.length;
}

/** The rules of one connected client, with `%c` and `%u` filled in. */
export class ClientAcl {
  private readonly publish: string[];
  private readonly subscribe: string[];

  constructor(rules: AclRules, identity: Identity) {
    this.publish = expandAll(rules.publish, identity);
    this.subscribe = expandAll(rules.subscribe, identity);
  }

  canPublish(topic: string): boolean {
    return this.publish.some((filter) => topicMatches(filter, topic));
  }

  canSubscribe(filter: string): boolean {
    return this.subscribe.some((allowed) => filterCovers(allowed, filter));
  }
}

function expandAll(filters: readonly string[], identity: Identity): string[] {
  return filters.flatMap((filter) => {
    const expanded = expandPattern(filter, identity);
    return expanded === undefined ? [] : [expanded];
  });
}

/**
 * Fills `%c` and `%u` in. A value containing '/', '+' or '#' would widen the
 * filter (client id "+" would reach every board), so such a filter is dropped
 * for that client instead: it grants nothing, as in mosquitto.
 */
export function expandPattern(filter: string, identity: Identity): string | undefined {
  let unsafe = false;
  const expanded = filter.replace(/%[cu]/g, (token) => {
    const value = token === '%c' ? identity.clientId : identity.username;
    if (value === '' || /[/+#\u0000]/.test(value)) unsafe = true;
    return value;
  });
  return unsafe ? undefined : expanded;
}
