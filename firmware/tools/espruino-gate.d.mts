// Types for espruino-gate.mjs (plain JS so that `npm run firmware:flash` needs no build step).

export type GateLevel = 'espruino' | 'es5';

export interface GateFinding {
  file: string;
  line: number;
  column: number;
  rule: string;
  message: string;
}

export const RULES: Readonly<Record<string, string>>;

export function checkEspruinoSource(
  source: string,
  options?: { file?: string; level?: GateLevel },
): GateFinding[];

export function formatFinding(finding: GateFinding): string;
