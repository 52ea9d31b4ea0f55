/**
 * fleet's error classes. Each has a stable `code` that reports and tests rely on;
 * only the CLI layer turns errors into exit codes.
 */

/** Codes that can appear in a host result's `error.code` or a CLI error. */
export type ErrorCode =
  | 'CONFIG_INVALID'
  | 'INPUT_MISSING'
  | 'UNREACHABLE'
  | 'CONNECT_TIMEOUT'
  | 'HOSTKEY_UNKNOWN'
  | 'HOSTKEY_MISMATCH'
  | 'HOSTKEY_REVOKED'
  | 'AUTH_FAILED'
  | 'KEY_UNREADABLE'
  | 'SUDO_PASSWORD_REQUIRED'
  | 'COMMAND_TIMEOUT'
  | 'COMMAND_FAILED'
  | 'CONNECTION_LOST'
  | 'OUTPUT_TOO_LARGE'
  | 'FACTS_FAILED'
  | 'CONFIG_BROKEN_BEFORE'
  | 'CONFIG_UNSUPPORTED'
  | 'CANDIDATE_REJECTED'
  | 'WRITE_FAILED'
  | 'BACKUP_FAILED'
  | 'VERIFY_FAILED'
  | 'RELOAD_FAILED'
  | 'LOGIN_FAILED'
  | 'CLIENT_UNSAFE'
  | 'CLIENT_FAILED'
  | 'ROLLBACK_FAILED'
  | 'LOCKED'
  | 'INTERRUPTED'
  | 'SKIPPED'
  | 'INTERNAL';

export class FleetError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = 'FleetError';
  }
}

/** One problem in a user's file, positioned like a compiler error. */
export interface Diagnostic {
  file: string;
  /** 1-based; 0 when the problem is the file as a whole. */
  line: number;
  /** 1-based; 0 when unknown. */
  col: number;
  message: string;
  severity: 'error' | 'warning';
}

export function formatDiagnostic(d: Diagnostic): string {
  const where = d.line > 0 ? `${d.file}:${d.line}:${d.col || 1}` : d.file;
  return `${where}: ${d.severity === 'warning' ? 'warning: ' : ''}${d.message}`;
}

/** A user's inventory or policy is wrong; carries every diagnostic found, not just the first. */
export class ConfigError extends FleetError {
  readonly diagnostics: Diagnostic[];
  constructor(diagnostics: Diagnostic[]) {
    super('CONFIG_INVALID', diagnostics.map(formatDiagnostic).join('\n'));
    this.diagnostics = diagnostics;
    this.name = 'ConfigError';
  }
}

/** A bug in fleet itself. */
export class InternalError extends FleetError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('INTERNAL', message, options);
    this.name = 'InternalError';
  }
}
