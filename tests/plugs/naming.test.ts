import { topicSegment } from '../../src/plugs/naming.js';
import { PlugRegistry } from '../../src/plugs/registry.js';

describe('topic segments from friendly names', () => {
  it.each([
    ['Desk Lamp', 'desk_lamp'],
    ['  kettle  ', 'kettle'],
    ['living room/tv', 'living_room_tv'],
    ['plug #1', 'plug_1'],
    ['a+b', 'a_b'],
    ['Küche Lampe', 'küche_lampe'],
    ['温室', '温室'],
    ['tab\tand\nnewline', 'tab_and_newline'],
    ['nul\u0000byte', 'nul_byte'],
    ['#', ''],
  ])('%j becomes %j', (name, segment) => {
    expect(topicSegment(name)).toBe(segment);
  });

  it('never yields a wildcard, separator, NUL or empty level for any printable name', () => {
    const alphabet = ['a', 'Z', '0', ' ', '/', '+', '#', '\u0000', '\t', 'é', '_', '-', '$'];
    for (let i = 0; i < 2000; i += 1) {
      let name = '';
      for (let j = 0; j < 1 + (i % 7); j += 1) name += alphabet[(i * 7 + j * 13) % alphabet.length];
      const segment = topicSegment(name);
      expect(segment).not.toMatch(/[/+#\u0000]/);
    }
  });

  it.each([
    [[{ name: '###', id: 'a1' }], /no letters or digits/],
    [[{ name: 'status', id: 'a1' }], /clash with the topic .*status/],
    [[{ name: 'Command', id: 'a1' }], /clash/],
    [[{ name: '$SYS', id: 'a1' }], /cannot start with "\$"/],
    [[{ name: 'Desk Lamp', id: 'a1' }, { name: 'desk_lamp', id: 'a2' }], /"Desk Lamp" and "desk_lamp" would share the topic .*desk_lamp/],
    [[{ name: 'a/b', id: 'a1' }, { name: 'a+b', id: 'a2' }], /share the topic/],
    [[{ name: 'one', id: 'a1' }, { name: 'two', id: 'a1' }], /listed twice/],
  ])('rejects %j at startup with a clear message', (plugs, message) => {
    expect(() => new PlugRegistry(plugs)).toThrow(message);
  });

  it('finds a plug by name, id or segment', () => {
    const registry = new PlugRegistry([{ name: 'Living Room/TV', id: 'bf77' }]);
    expect(registry.find('living room/tv')?.id).toBe('bf77');
    expect(registry.find('bf77')?.segment).toBe('living_room_tv');
    expect(registry.bySegment('living_room_tv')?.name).toBe('Living Room/TV');
    expect(registry.bySegment('Living Room/TV')).toBeUndefined();
  });
});
