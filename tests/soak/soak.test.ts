import { formatSoak, runSoak } from '../../bench/soak.js';

// The short soak for CI: the built daemon (dist/, `npm test` builds it first)
// as its own process, 100 MQTT.js clients, 1,000 commands over 10 plugs.
// `npm run soak` runs the full 1,000 clients x 10,000 commands.

const INVALID_CODES = ['unknown_action', 'unknown_device', 'invalid_command', 'invalid_json'];

describe('soak (short)', () => {
  it('answers every one of 1,000 commands from 100 clients, with only the expected errors and bounded memory', async () => {
    const result = await runSoak({ clients: 100, commands: 1000, plugs: 10 });
    console.log(formatSoak(result, { clients: 100, commands: 1000, inFlight: 200 }));

    expect(result.clients).toBe(100);
    expect(result.sent).toBe(1000);
    expect(result.unanswered).toBe(0);
    expect(result.answered).toBe(1000);
    expect(result.unexpected).toEqual({});
    expect(result.duplicates).toBe(0);
    expect(result.strays).toBe(0);
    expect(result.finalCommandOk).toBe(true);
    // Only the invalid payloads sent on purpose fail, plus rate_limited under load.
    for (const code of Object.keys(result.errors)) expect([...INVALID_CODES, 'rate_limited']).toContain(code);
    const invalidReplies = INVALID_CODES.reduce((sum, code) => sum + (result.errors[code] ?? 0), 0);
    expect(invalidReplies).toBe(result.invalidSent);
    expect(result.invalidSent).toBeGreaterThan(0);
    expect(result.rssEndMiB).toBeLessThan(2 * result.rssStartMiB + 50);
  }, 60_000);
});
