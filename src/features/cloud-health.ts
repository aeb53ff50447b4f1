import { toBridgeError } from '../errors.js';
import type { ErrorCode } from '../errors.js';
import type { PlugTransport } from '../tuya/transport.js';

/**
 * Wraps a transport to remember when the cloud last answered and how the
 * last failure went, for /health. Device-level errors (an offline plug) say
 * the cloud is fine, so they count as answers.
 */
export class CloudHealth implements PlugTransport {
  lastSuccessAt: number | null = null;
  lastFailureAt: number | null = null;
  lastFailureCode: ErrorCode | null = null;
  calls = 0;

  constructor(
    private readonly inner: PlugTransport,
    private readonly now: () => number = Date.now,
  ) {}

  /** Healthy until the newest cloud answer is a cloud-level failure. */
  get healthy(): boolean {
    if (this.lastFailureAt === null) return true;
    return this.lastSuccessAt !== null && this.lastSuccessAt >= this.lastFailureAt;
  }

  sendSwitch(deviceId: string, on: boolean): Promise<void> {
    return this.track(this.inner.sendSwitch(deviceId, on));
  }
  readStatus(deviceId: string): ReturnType<PlugTransport['readStatus']> {
    return this.track(this.inner.readStatus(deviceId));
  }
  readStatusBatch(deviceIds: readonly string[]): ReturnType<PlugTransport['readStatusBatch']> {
    return this.track(this.inner.readStatusBatch(deviceIds));
  }
  readDetails(deviceId: string): ReturnType<PlugTransport['readDetails']> {
    return this.track(this.inner.readDetails(deviceId));
  }
  readSpecification(deviceId: string): ReturnType<PlugTransport['readSpecification']> {
    return this.track(this.inner.readSpecification(deviceId));
  }

  private async track<T>(call: Promise<T>): Promise<T> {
    this.calls += 1;
    try {
      const result = await call;
      this.lastSuccessAt = this.now();
      return result;
    } catch (err) {
      const code = toBridgeError(err).code;
      if (code === 'device_offline' || code === 'device_error') this.lastSuccessAt = this.now();
      else {
        this.lastFailureAt = this.now();
        this.lastFailureCode = code;
      }
      throw err;
    }
  }
}
