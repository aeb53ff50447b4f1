/**
 * Friendly names become one topic level: tuya/<segment>, tuya/<segment>/set.
 * A segment must never hold an MQTT wildcard, a level separator or NUL, and
 * must not shadow a topic of the contract (tuya/command, tuya/bridge/...).
 */
const RESERVED = new Set(['command', 'status', 'bridge', 'esp32']);

/** The segment for a name: trimmed, lower-cased, runs of space and unsafe characters as "_". */
export function topicSegment(name: string): string {
  return name
    .normalize('NFC')
    .trim()
    .toLowerCase()
    .replace(/[\s/+#\u0000-\u001f\u007f]+/gu, '_')
    .replace(/^_+|_+$/g, '');
}

/** Why a name cannot be a plug's, or undefined when it can. */
export function segmentProblem(name: string, segment: string): string | undefined {
  if (segment === '') return `plug name "${name}" has no letters or digits to make a topic from`;
  if (segment.startsWith('$')) return `plug name "${name}" cannot start with "$" (reserved by MQTT)`;
  if (RESERVED.has(segment)) return `plug name "${name}" would clash with the topic .../${segment}; rename the plug`;
  if (Buffer.byteLength(segment) > 200) return `plug name "${name}" is too long for a topic level`;
  return undefined;
}
