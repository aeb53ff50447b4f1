import { ClientAcl, EXAMPLE_ACL, checkFilter, exampleAcl, expandPattern, filterCovers, topicMatches } from '../../broker/acl.js';

describe('topicMatches', () => {
  it.each([
    ['tuya/command', 'tuya/command', true],
    ['tuya/command', 'tuya/status', false],
    ['tuya/+/set', 'tuya/desk/set', true],
    ['tuya/+/set', 'tuya/desk/lamp/set', false],
    ['tuya/+/set', 'tuya//set', true], // an empty level is a level [MQTT-4.7.1-3]
    ['tuya/#', 'tuya', true], // '#' includes the parent level [MQTT-4.7.1-2]
    ['tuya/#', 'tuya/a/b/c', true],
    ['tuya/#', 'tuyax/a', false],
    ['#', 'anything/at/all', true],
    ['#', '$SYS/broker/uptime', false], // [MQTT-4.7.2-1]
    ['+/uptime', '$SYS/uptime', false],
    ['$SYS/#', '$SYS/broker/uptime', true],
  ])('filter %s against topic %s: %s', (filter, topic, expected) => {
    expect(topicMatches(filter, topic)).toBe(expected);
  });
});

describe('filterCovers', () => {
  it.each([
    ['tuya/#', 'tuya/#', true],
    ['tuya/#', 'tuya/+/state', true],
    ['tuya/#', 'tuya', true],
    ['tuya/#', '#', false],
    ['tuya/#', '+/state', false],
    ['tuya/+/state', 'tuya/+/state', true],
    ['tuya/+/state', 'tuya/desk/state', true],
    ['tuya/+/state', 'tuya/#', false],
    ['tuya/+', 'tuya/+/+', false],
    ['tuya/status', 'tuya/status', true],
    ['tuya/status', 'tuya/+', false],
    ['+/+', 'a/+', true],
    ['#', '$SYS/#', false],
  ])('allowed %s covers requested %s: %s', (allowed, requested, expected) => {
    expect(filterCovers(allowed, requested)).toBe(expected);
  });
});

describe('checkFilter', () => {
  it.each([['tuya/#'], ['+/+/set'], ['#'], ['a//b']])('accepts %s', (filter) => {
    expect(() => checkFilter(filter)).not.toThrow();
  });

  it.each([
    ['', 'must not be empty'],
    ['tuya/#/x', '"#" may only be the whole last level'],
    ['tuya#', '"#" may only be the whole last level'],
    ['tuya/a+', '"+" must be a whole level'],
    ['a\u0000b', 'contains NUL'],
  ])('rejects %j: %s', (filter, message) => {
    expect(() => checkFilter(filter)).toThrow(message);
  });
});

describe('expandPattern', () => {
  const identity = { clientId: 'esp32-kitchen', username: 'esp32' };

  it('fills in the client id and the username', () => {
    expect(expandPattern('tuya/esp32/%c/#', identity)).toBe('tuya/esp32/esp32-kitchen/#');
    expect(expandPattern('users/%u/%c', identity)).toBe('users/esp32/esp32-kitchen');
  });

  it.each([['+'], ['#'], ['a/b'], ['']])('drops the filter for a client id of %j', (clientId) => {
    expect(expandPattern('tuya/esp32/%c/#', { clientId, username: 'esp32' })).toBeUndefined();
  });
});

describe('ClientAcl with the example lists', () => {
  it('lets an ESP32 write only below its own client id', () => {
    const acl = new ClientAcl(EXAMPLE_ACL.esp32, { clientId: 'esp32-kitchen', username: 'esp32' });
    expect(acl.canPublish('tuya/esp32/esp32-kitchen/availability')).toBe(true);
    expect(acl.canPublish('tuya/esp32/esp32-hall/availability')).toBe(false);
    expect(acl.canPublish('tuya/command')).toBe(true);
    expect(acl.canSubscribe('tuya/status')).toBe(true);
    expect(acl.canSubscribe('tuya/+')).toBe(false);
  });

  it('gives an ESP32 with a wildcard as client id no telemetry topic at all', () => {
    const acl = new ClientAcl(EXAMPLE_ACL.esp32, { clientId: '+', username: 'esp32' });
    expect(acl.canPublish('tuya/esp32/esp32-hall/availability')).toBe(false);
    expect(acl.canPublish('tuya/command')).toBe(true);
  });
});

describe('exampleAcl', () => {
  it('follows a base topic of any depth', () => {
    const acl = new ClientAcl(exampleAcl('home/tuya').homeassistant, { clientId: 'ha', username: 'homeassistant' });
    expect(acl.canPublish('home/tuya/desk/set')).toBe(true);
    expect(acl.canPublish('tuya/desk/set')).toBe(false);
    expect(acl.canSubscribe('home/tuya/#')).toBe(true);
  });
});
