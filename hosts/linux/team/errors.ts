// Typed errors of the Linux teaming shim. Each carries a stable `code` that the CLI and tests match on
// and a message a user can act on.

export type TeamErrorCode =
  | "config-invalid" // the configuration file is wrong; `problems` names every bad field
  | "backend-unavailable" // the chosen backend cannot run here (no team driver, no /dev/net/tun, not root)
  | "kernel" // a system call or an `ip` command failed; `detail` carries errno / stderr
  | "apply-failed" // a step of bringing the team up failed; the previous state was restored
  | "not-running" // down/status on a team that is not up
  | "member-unknown"; // an operation names an interface that is not a member

export class TeamError extends Error {
  readonly code: TeamErrorCode;
  readonly detail: string | undefined;
  constructor(code: TeamErrorCode, message: string, detail?: string) {
    super(detail ? `${message}: ${detail}` : message);
    this.code = code;
    this.detail = detail;
    this.name = "TeamError";
  }
}

export interface ConfigProblem {
  /** Dotted path of the offending field, e.g. "watchers.carrier.upDelayMs" or "members[2]". */
  readonly field: string;
  readonly message: string;
}

export class ConfigError extends TeamError {
  readonly problems: readonly ConfigProblem[];
  constructor(problems: readonly ConfigProblem[], source = "configuration") {
    super(
      "config-invalid",
      `${source} is invalid:\n` + problems.map((problem) => `  ${problem.field}: ${problem.message}`).join("\n"),
    );
    this.problems = problems;
    this.name = "ConfigError";
  }
}
