/**
 * Errors a user can cause (bad flag, broken scenario file, missing binary, unreachable target).
 * The CLI prints `message` as one line and exits with `exitCode`; anything else is a bug and
 * gets a stack trace.
 */
export const ExitCode = {
  pass: 0,
  thresholdFailed: 1,
  invalidRun: 2,
  usage: 3,
  target: 4,
  bug: 70,
} as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

export class UserError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCodeValue = ExitCode.usage,
  ) {
    super(message);
    this.name = 'UserError';
  }
}

/** A target (embedded, detached or external) that cannot be reached or refuses us. */
export class TargetError extends UserError {
  constructor(message: string) {
    super(message, ExitCode.target);
    this.name = 'TargetError';
  }
}

/** The first line of an error's message: enough for a one-line report (a server's error may go on for lines). */
export function firstLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0]!;
}
