import { BridgeError, toBridgeError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import type { Plug, PlugRegistry } from '../plugs/registry.js';
import type { PlugTransport } from '../tuya/transport.js';
import type { Command } from './command.js';
import { errorReply, stateReply } from './reply.js';
import type { Reply } from './reply.js';

export interface DispatcherOptions {
  registry: PlugRegistry;
  transport: PlugTransport;
  logger: Logger;
  switchCode: string;
  /** Time allowed for a whole command before it is answered with `timeout`. */
  timeoutMs: number;
  now?: () => number;
}

/**
 * Carries out commands against the plugs and answers each with exactly one
 * Reply; it never throws. Toggle is resolved to an absolute on/off here, before
 * anything is sent, so that a retried request can never switch twice.
 */
export class Dispatcher {
  private readonly now: () => number;
  private readonly inFlight = new Set<Promise<Reply>>();
  // Per plug: the sequence number of the newest command sent and of the newest applied.
  private readonly sent = new Map<Plug, number>();
  private readonly applied = new Map<Plug, number>();
  private accepting = true;

  constructor(private readonly options: DispatcherOptions) {
    this.now = options.now ?? Date.now;
  }

  /** Carries out one command; resolves with its reply, success or failure. */
  execute(command: Command): Promise<Reply> {
    const work = this.run(command);
    this.inFlight.add(work);
    void work.finally(() => this.inFlight.delete(work));
    return work;
  }

  /** Refuses new commands and waits for those in flight to be answered. */
  async drain(): Promise<void> {
    this.accepting = false;
    await Promise.allSettled([...this.inFlight]);
  }

  get pending(): number {
    return this.inFlight.size;
  }

  private async run(command: Command): Promise<Reply> {
    let plug: Plug | undefined;
    try {
      if (!this.accepting) throw new BridgeError('shutting_down', 'the bridge is shutting down');
      plug = this.options.registry.resolve(command.device);
      const target = plug;
      const commanded = await withTimeout(this.perform(target, command), this.options.timeoutMs);
      return stateReply(target, { id: command.id, now: this.now(), on: commanded });
    } catch (err) {
      const error = toBridgeError(err);
      this.logFailure(error, command, plug);
      if (plug && error.code === 'device_offline') {
        this.options.registry.update(plug, { online: false }, 'cloud', this.now());
      }
      return errorReply(error, plug, { id: command.id, now: this.now() });
    }
  }

  /** Resolves with the state a switching command set, so its reply says what it did. */
  private async perform(plug: Plug, command: Command): Promise<boolean | undefined> {
    switch (command.action) {
      case 'status':
        await this.refresh(plug);
        return undefined;
      case 'on':
        return this.switchTo(plug, true);
      case 'off':
        return this.switchTo(plug, false);
      case 'toggle': {
        if (plug.intended === null && plug.state.on === null) await this.refresh(plug);
        const base = plug.intended ?? plug.state.on;
        return this.switchTo(plug, !base);
      }
    }
  }

  private async refresh(plug: Plug): Promise<void> {
    const points = await this.options.transport.readStatus(plug.id);
    const point = points.find((candidate) => candidate.code === this.options.switchCode);
    if (typeof point?.value !== 'boolean') {
      throw new BridgeError('device_error', `the plug reports no boolean "${this.options.switchCode}"`);
    }
    this.options.registry.update(plug, { on: point.value, online: true }, 'cloud', this.now());
  }

  private async switchTo(plug: Plug, on: boolean): Promise<boolean> {
    const seq = (this.sent.get(plug) ?? 0) + 1;
    this.sent.set(plug, seq);
    plug.intended = on;
    try {
      await this.options.transport.sendSwitch(plug.id, on);
    } catch (err) {
      if (this.sent.get(plug) === seq) plug.intended = null;
      throw err;
    }
    // Answers can come back out of order; the newest command sent decides the state.
    if (seq < (this.applied.get(plug) ?? 0)) return on;
    this.applied.set(plug, seq);
    if (this.sent.get(plug) === seq) plug.intended = null;
    plug.commandedAt = this.now();
    this.options.registry.update(plug, { on, online: true }, 'command', plug.commandedAt);
    return on;
  }

  private logFailure(error: BridgeError, command: Command, plug: Plug | undefined): void {
    const meta: Record<string, unknown> = { code: error.code, action: command.action };
    if (plug) meta['device'] = plug.name;
    else if (command.device !== undefined) meta['device'] = command.device;
    if (error.tuyaCode !== undefined) meta['tuyaCode'] = error.tuyaCode;
    if (error.code === 'internal') this.options.logger.error(`Command failed: ${error.stack ?? error.message}`, meta);
    else this.options.logger.warn(`Command failed: ${error.message}`, meta);
  }
}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new BridgeError('timeout', `no answer from the plug within ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
