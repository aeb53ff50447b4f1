import { BridgeError } from '../../src/errors.js';
import type { DataPoint, DeviceDetails, DeviceSpecification, DeviceStatus, PlugTransport } from '../../src/tuya/transport.js';

/**
 * An in-memory transport for unit tests of the layers above the cloud client:
 * it records every call and can be told to fail or to hold answers back.
 */
export class FakeTransport implements PlugTransport {
  readonly switches = new Map<string, boolean>();
  readonly online = new Map<string, boolean>();
  readonly calls: string[] = [];
  failWith: BridgeError | undefined;
  /** When set, each call waits for this before answering. */
  gate: Promise<void> | undefined;

  async sendSwitch(deviceId: string, on: boolean): Promise<void> {
    this.calls.push(`switch ${deviceId} ${on}`);
    await this.before(deviceId);
    this.switches.set(deviceId, on);
  }

  async readStatus(deviceId: string): Promise<DataPoint[]> {
    this.calls.push(`status ${deviceId}`);
    await this.before(deviceId);
    return [{ code: 'switch_1', value: this.switches.get(deviceId) ?? false }];
  }

  async readStatusBatch(deviceIds: readonly string[]): Promise<DeviceStatus[]> {
    this.calls.push(`batch ${deviceIds.length}`);
    await this.before(undefined);
    return deviceIds.map((id) => ({ id, status: [{ code: 'switch_1', value: this.switches.get(id) ?? false }] }));
  }

  async readDetails(deviceId: string): Promise<DeviceDetails> {
    this.calls.push(`details ${deviceId}`);
    await this.before(undefined);
    return {
      id: deviceId,
      name: deviceId,
      online: this.online.get(deviceId) ?? true,
      category: 'cz',
      productId: 'p',
      productName: 'Plug',
      model: 'SP22',
    };
  }

  async readSpecification(deviceId: string): Promise<DeviceSpecification> {
    this.calls.push(`spec ${deviceId}`);
    return { category: 'cz', status: [], functions: [] };
  }

  private async before(deviceId: string | undefined): Promise<void> {
    if (this.gate) await this.gate;
    if (this.failWith) throw this.failWith;
    if (deviceId !== undefined && this.online.get(deviceId) === false) {
      throw new BridgeError('device_offline', 'Tuya says the plug is offline (2001)', 2001);
    }
  }
}
