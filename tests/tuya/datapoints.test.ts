import { energyProfile, hasEnergy, readPoints } from '../../src/tuya/datapoints.js';
import type { DeviceSpecification } from '../../src/tuya/transport.js';

function spec(entries: Array<[string, string, number]>): DeviceSpecification {
  return {
    category: 'cz',
    functions: [{ code: 'switch_1', type: 'Boolean', values: {} }],
    status: [
      { code: 'switch_1', type: 'Boolean', values: {} },
      ...entries.map(([code, unit, scale]) => ({ code, type: 'Integer', values: { unit, scale, min: 0, max: 99999, step: 1 } })),
    ],
  };
}

// Three products whose specifications declare the same codes differently (facts sheet §8).
const PRODUCTS = {
  // The common cz plug: W x10, V x10, mA, kWh x1000.
  common: spec([['cur_power', 'W', 1], ['cur_voltage', 'V', 1], ['cur_current', 'mA', 0], ['add_ele', 'kWh', 3]]),
  // Another cz product: current in A with scale 3, voltage with scale 2.
  preciseCurrent: spec([['cur_power', 'W', 1], ['cur_voltage', 'V', 2], ['cur_current', 'A', 3], ['add_ele', 'kWh', 2]]),
  // Unscaled power and energy counted in Wh.
  wattHours: spec([['cur_power', 'W', 0], ['cur_voltage', 'V', 0], ['cur_current', 'mA', 0], ['add_ele', 'Wh', 0]]),
};

describe('energy scaling by specification', () => {
  it.each([
    ['common', { cur_power: 5935, cur_voltage: 2224, cur_current: 2670, add_ele: 1234 }, { power: 593.5, voltage: 222.4, current: 2.67, energy: 1.234 }],
    ['preciseCurrent', { cur_power: 5935, cur_voltage: 22240, cur_current: 2670, add_ele: 1234 }, { power: 593.5, voltage: 222.4, current: 2.67, energy: 12.34 }],
    ['wattHours', { cur_power: 594, cur_voltage: 222, cur_current: 2670, add_ele: 1234 }, { power: 594, voltage: 222, current: 2.67, energy: 1.234 }],
  ] as const)('%s: raw %j reads as %j', (product, raw, expected) => {
    const profile = energyProfile(PRODUCTS[product]);
    const points = [{ code: 'switch_1', value: true }, ...Object.entries(raw).map(([code, value]) => ({ code, value }))];
    expect(readPoints(points, 'switch_1', profile)).toEqual({ on: true, ...expected });
  });

  it("reproduces Tuya's own examples: 2230 at scale 1 is 223 V, at scale 2 22.3 V", () => {
    for (const [scale, volts] of [[1, 223], [2, 22.3]] as const) {
      const profile = energyProfile(spec([['cur_voltage', 'V', scale]]));
      expect(readPoints([{ code: 'cur_voltage', value: 2230 }], 'switch_1', profile)).toEqual({ voltage: volts });
    }
  });

  it('gives a plug without energy data points no readings at all', () => {
    const profile = energyProfile(spec([]));
    expect(hasEnergy(profile)).toBe(false);
    expect(readPoints([{ code: 'switch_1', value: false }, { code: 'cur_power', value: 100 }], 'switch_1', profile)).toEqual({ on: false });
  });

  it('ignores readings of the wrong type and a nonsense scale', () => {
    const profile = energyProfile(spec([['cur_power', 'W', 1], ['cur_voltage', 'V', -3]]));
    expect(Object.keys(profile)).toEqual(['power']);
    expect(readPoints([{ code: 'cur_power', value: '12' }], 'switch_1', profile)).toEqual({});
  });
});
