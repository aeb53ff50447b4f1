// Types for bundle.mjs (plain JS so that the npm firmware scripts need no build step).

export const CONFIG_FILE: string;
export const BAUD: number;
export const BOARD: string;

export function buildFirmwareUpload(source: string): string;
export function buildProvisionUpload(configText: string): string;
export function configProblems(config: unknown): string[];
export function espruinoArgs(port: string, file: string, options?: { reset?: boolean }): string[];
