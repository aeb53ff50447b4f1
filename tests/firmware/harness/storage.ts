// require("Storage"): a flat file store of 8-bit strings, as on the board (src/jswrap_storage.c).

const MAX_NAME = 28;
const CAPACITY = 0x30000; // bytes; roughly what an ESP32 Espruino build leaves for Storage

export class StorageDouble {
  private readonly files = new Map<string, string>();

  /** `parseJSON` is the sandbox's JSON.parse, so objects belong to the board's realm. */
  constructor(
    initial: Record<string, string>,
    private readonly parseJSON: (text: string) => unknown,
  ) {
    for (const [name, data] of Object.entries(initial)) this.write(name, data);
  }

  read(name: string, offset?: number, length?: number): string | undefined {
    const data = this.files.get(this.checkName(name));
    if (data === undefined) return undefined;
    const start = offset ?? 0;
    return data.slice(start, length === undefined ? undefined : start + length);
  }

  readJSON(name: string, noExceptions?: boolean): unknown {
    const text = this.read(name);
    if (text === undefined) return undefined;
    try {
      return this.parseJSON(text);
    } catch (err) {
      if (noExceptions) return undefined;
      throw err;
    }
  }

  /** write(name, data) replaces; (name, data, 0, size) makes a `size`-byte file; later offsets fill it. */
  write(name: string, data: unknown, offset?: number, size?: number): boolean {
    const key = this.checkName(name);
    const text = typeof data === 'string' ? data : String(data);
    if (offset === undefined) {
      this.files.set(key, text);
      return true;
    }
    const current = offset === 0 && size !== undefined ? '\xff'.repeat(size) : this.files.get(key);
    if (current === undefined) return false;
    this.files.set(key, current.slice(0, offset) + text + current.slice(offset + text.length));
    return true;
  }

  writeJSON(name: string, data: unknown): boolean {
    return this.write(name, JSON.stringify(data));
  }

  erase(name: string): void {
    this.files.delete(this.checkName(name));
  }

  eraseAll(): void {
    this.files.clear();
  }

  list(pattern?: RegExp | string): string[] {
    const names = [...this.files.keys()];
    if (pattern === undefined) return names;
    const re = typeof pattern === 'string' ? new RegExp(pattern) : pattern;
    return names.filter((n) => re.test(n));
  }

  getFree(): number {
    let used = 0;
    for (const [name, data] of this.files) used += name.length + data.length + 16;
    return Math.max(0, CAPACITY - used);
  }

  compact(): void {}

  private checkName(name: unknown): string {
    if (typeof name !== 'string' || name.length === 0 || name.length > MAX_NAME) {
      throw new Error(`Storage: name must be 1..${MAX_NAME} characters, got ${JSON.stringify(name)}`);
    }
    return name;
  }
}
